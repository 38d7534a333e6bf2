import { Form, Modal } from '@douyinfe/semi-ui';
import { useRef } from 'react';
import type { User } from '../api/types.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatQuota } from '../lib/format.ts';
import { useSession } from '../state/session.tsx';

export interface QuotaChange {
  mode: 'add' | 'subtract';
  value: number;
  remark: string;
}

/** Add or subtract quota (entered in USD) with a reason that goes into the manage log. */
export function QuotaModal({
  user,
  onSubmit,
  onCancel,
}: {
  user: User;
  onSubmit(c: QuotaChange): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const { status } = useSession();
  const qpu = status?.quota_per_unit || 500000;
  const form = useRef<any>(null);
  return (
    <Modal
      visible
      title={`${t('Adjust quota')}: ${user.username}`}
      onCancel={onCancel}
      onOk={() => form.current?.submitForm()}
    >
      <p>
        {t('Balance')}: {formatQuota(user.quota, qpu)}
      </p>
      <Form
        getFormApi={(a) => (form.current = a)}
        initValues={{ mode: 'add', usd: 1, remark: '' }}
        labelPosition="top"
        onSubmit={(v: { mode: 'add' | 'subtract'; usd: number; remark: string }) =>
          onSubmit({ mode: v.mode, value: Math.max(1, Math.round(v.usd * qpu)), remark: v.remark ?? '' })
        }
      >
        <Form.RadioGroup
          field="mode"
          label={t('Action')}
          options={[
            { value: 'add', label: t('Add') },
            { value: 'subtract', label: t('Subtract') },
          ]}
        />
        <Form.InputNumber
          field="usd"
          label={t('Amount (USD)')}
          min={0}
          rules={[{ required: true, message: t('Required') }]}
        />
        <Form.Input field="remark" label={t('Reason')} rules={[{ required: true, message: t('Required') }]} />
      </Form>
    </Modal>
  );
}
