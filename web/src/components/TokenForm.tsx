import { Form, Modal } from '@douyinfe/semi-ui';
import { useRef } from 'react';
import type { Token } from '../api/types.ts';
import { useI18n } from '../i18n/index.tsx';
import { useSession } from '../state/session.tsx';

export interface TokenInput {
  id?: number;
  name: string;
  remain_quota: number;
  unlimited_quota: boolean;
  expired_time: number;
  model_limits_enabled: boolean;
  model_limits: string;
  allow_ips: string;
  group: string;
}

interface Values {
  name: string;
  remain_usd: number;
  unlimited_quota: boolean;
  expires?: Date;
  model_limits: string;
  allow_ips: string;
  group: string;
}

/** Create or edit a token: limits in USD, expiry (empty = never), model limits and IP allow list. */
export function TokenForm({
  token,
  onSubmit,
  onCancel,
}: {
  token: Token | null;
  onSubmit(v: TokenInput): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const { status } = useSession();
  const qpu = status?.quota_per_unit || 500000;
  const api = useRef<any>(null);
  const init: Values = {
    name: token?.name ?? '',
    remain_usd: token ? token.remain_quota / qpu : 10,
    unlimited_quota: token?.unlimited_quota ?? true,
    expires: token && token.expired_time > 0 ? new Date(token.expired_time * 1000) : undefined,
    model_limits: token?.model_limits ?? '',
    allow_ips: token?.allow_ips ?? '',
    group: token?.group ?? '',
  };
  const submit = (v: Values) =>
    onSubmit({
      id: token?.id,
      name: v.name,
      remain_quota: Math.round((v.remain_usd || 0) * qpu),
      unlimited_quota: !!v.unlimited_quota,
      expired_time: v.expires ? Math.floor(new Date(v.expires).getTime() / 1000) : -1,
      model_limits_enabled: !!v.model_limits?.trim(),
      model_limits: v.model_limits?.trim() ?? '',
      allow_ips: v.allow_ips?.trim() ?? '',
      group: v.group?.trim() ?? '',
    });
  return (
    <Modal
      visible
      title={token ? t('Edit token') : t('New token')}
      onCancel={onCancel}
      onOk={() => api.current?.submitForm()}
      okText={t('Save')}
    >
      <Form getFormApi={(a) => (api.current = a)} initValues={init} onSubmit={submit} labelPosition="top">
        <Form.Input field="name" label={t('Name')} rules={[{ required: true, message: t('Required') }]} />
        <Form.Switch field="unlimited_quota" label={t('Unlimited quota')} />
        <Form.InputNumber field="remain_usd" label={t('Quota limit (USD)')} min={0} step={1} />
        <Form.DatePicker field="expires" type="dateTime" label={t('Expires (empty = never)')} showClear />
        <Form.Input field="model_limits" label={t('Allowed models (comma list, empty = all)')} />
        <Form.TextArea
          field="allow_ips"
          label={t('Allowed IPs or CIDRs (one per line, empty = any)')}
          rows={2}
        />
        <Form.Input field="group" label={t('Group (empty = your group)')} />
      </Form>
    </Modal>
  );
}
