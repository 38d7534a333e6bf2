import { Form, Modal } from '@douyinfe/semi-ui';
import { useRef } from 'react';
import { CHANNEL_KINDS, channelKind } from '../../../src/shared/channel-types.ts';
import type { Channel } from '../api/types.ts';
import { useI18n } from '../i18n/index.tsx';
import { jsonError } from '../lib/json.ts';

export type ChannelInput = Omit<Channel, 'id' | 'response_time' | 'test_time' | 'settings'> & {
  id?: number;
  key?: string;
  settings?: Record<string, unknown>;
};

function withoutSettings({ settings: _stored, ...c }: Channel) {
  return c;
}

/** The stored settings object ('' or unreadable: none). */
function settingsOf(c: Channel | null): Record<string, unknown> {
  try {
    const o = JSON.parse(c?.settings || '{}');
    return o && typeof o === 'object' && !Array.isArray(o) ? o : {};
  } catch {
    return {};
  }
}

/** The kinds the relay speaks, by New API's type numbers (any other number is served as OpenAI-compatible). */
export const CHANNEL_TYPES = CHANNEL_KINDS.map((k) => ({ value: k.type, label: k.label }));
/** Create or edit a channel; the key is write-only (empty on edit keeps the stored one). */
export function ChannelForm({
  channel,
  onSubmit,
  onCancel,
}: {
  channel: Channel | null;
  onSubmit(c: ChannelInput): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const form = useRef<any>(null);
  const settings = settingsOf(channel);
  const init = channel
    ? {
        ...withoutSettings(channel),
        relay_timeout: Number(settings.relay_timeout ?? 0),
        api_version: typeof settings.api_version === 'string' ? settings.api_version : '',
      }
    : {
        name: '',
        type: 1,
        base_url: '',
        models: '',
        group: 'default',
        model_mapping: '',
        priority: 0,
        weight: 1,
        status: 1,
      };
  return (
    <Modal
      visible
      title={channel ? t('Edit channel') : t('New channel')}
      onCancel={onCancel}
      onOk={() => form.current?.submitForm()}
      okText={t('Save')}
    >
      <Form
        getFormApi={(a) => (form.current = a)}
        initValues={init}
        labelPosition="top"
        onSubmit={({
          relay_timeout,
          api_version,
          ...v
        }: ChannelInput & { relay_timeout?: number; api_version?: string }) =>
          onSubmit({
            ...v,
            // the other keys (New API's, or set through the API) are kept as they are
            settings: {
              ...settings,
              relay_timeout: Number(relay_timeout ?? 0) || undefined,
              api_version: api_version?.trim() || undefined,
            },
            id: channel?.id,
            key: v.key?.trim() || undefined,
            model_mapping: v.model_mapping?.trim() ?? '',
            priority: Number(v.priority ?? 0),
            weight: Number(v.weight ?? 1),
          })
        }
      >
        <Form.Input field="name" label={t('Name')} rules={[{ required: true, message: t('Required') }]} />
        <Form.Select field="type" label={t('Type')} optionList={CHANNEL_TYPES} style={{ width: '100%' }} />
        <Form.Input
          field="base_url"
          label={t("Base URL (empty = the type's default)")}
          placeholder="https://api.openai.com"
        />
        <Form.Input
          field="key"
          label={channel ? t('Key (empty = keep)') : t('Key')}
          mode="password"
          rules={channel ? [] : [{ required: true, message: t('Required') }]}
        />
        <Form.Input
          field="models"
          label={t('Models (comma list)')}
          rules={[{ required: true, message: t('Required') }]}
        />
        <Form.Input field="group" label={t('Groups (comma list)')} />
        <Form.TextArea
          field="model_mapping"
          label={t('Model mapping (JSON object)')}
          placeholder='{"gpt-4o": "gpt-4o-2024-08-06"}'
          rows={3}
          rules={[
            {
              validator: (_r: unknown, v: string) => jsonError(v ?? '') === null,
              message: t('Invalid JSON object'),
            },
          ]}
        />
        <Form.Input field="tag" label={t('Tag (channels with one tag are managed together)')} />
        <Form.Input field="remark" label={t('Remark')} />
        <Form.InputNumber field="priority" label={t('Priority')} />
        <Form.InputNumber field="weight" label={t('Weight')} min={0} />
        <Form.Input
          field="api_version"
          label={t('API version (Azure api-version, Gemini path version)')}
          placeholder={`${channelKind(3).apiVersion} / ${channelKind(24).apiVersion}`}
        />
        <Form.InputNumber
          field="relay_timeout"
          label={t('Upstream timeout (seconds, 0 = the RelayTimeout option)')}
          min={0}
          max={86400}
        />
      </Form>
    </Modal>
  );
}
