import { Button, Input, Switch, TextArea, Typography } from '@douyinfe/semi-ui';
import { useState } from 'react';
import { options } from '../api/endpoints.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText } from '../lib/format.ts';
import { jsonError } from '../lib/json.ts';
import { Toast } from '../lib/toast.tsx';

async function saveOption(key: string, value: string): Promise<boolean> {
  try {
    await options.update(key, value);
    return true;
  } catch (e) {
    Toast.error(`${key}: ${errorText(e)}`);
    return false;
  }
}

interface EditorProps {
  name: string;
  label: string;
  value: string;
  onSaved(key: string, value: string): void;
}

/** A text option (one line, or Markdown when `multiline`), saved with its own button. */
export function TextOption({
  name,
  label,
  value,
  onSaved,
  multiline,
}: EditorProps & { multiline?: boolean }) {
  const { t } = useI18n();
  const [text, setText] = useState(value);
  const save = async () => {
    if (!(await saveOption(name, text))) return;
    Toast.success(t('Saved'));
    onSaved(name, text);
  };
  return (
    <div style={{ marginBottom: 16 }}>
      <Typography.Text strong>{label}</Typography.Text>
      {multiline ? (
        <TextArea value={text} onChange={setText} autosize={{ minRows: 3, maxRows: 12 }} aria-label={name} />
      ) : (
        <Input value={text} onChange={setText} aria-label={name} />
      )}
      <Button size="small" style={{ marginTop: 4 }} onClick={save} disabled={text === value}>
        {t('Save')}
      </Button>
    </div>
  );
}

/** A JSON option (ratios, prices, groups) validated in the browser before the server validates it again. */
export function JsonOption({
  name,
  label,
  value,
  onSaved,
  shape = 'object',
}: EditorProps & { shape?: 'object' | 'array' }) {
  const { t } = useI18n();
  const [text, setText] = useState(() => {
    try {
      return JSON.stringify(JSON.parse(value || (shape === 'array' ? '[]' : '{}')), null, 2);
    } catch {
      return value;
    }
  });
  const err = jsonError(text, shape, false);
  const save = async () => {
    const compact = JSON.stringify(JSON.parse(text));
    if (await saveOption(name, compact)) {
      Toast.success(t('Saved'));
      onSaved(name, compact);
    }
  };
  return (
    <div style={{ marginBottom: 16 }}>
      <Typography.Text strong>{label}</Typography.Text>
      <TextArea
        className="tg-mono"
        value={text}
        onChange={setText}
        autosize={{ minRows: 3, maxRows: 14 }}
        validateStatus={err ? 'error' : 'default'}
        aria-label={name}
      />
      {err && (
        <Typography.Text type="danger">
          {t('Invalid JSON')}: {err}
        </Typography.Text>
      )}
      <div>
        <Button size="small" style={{ marginTop: 4 }} onClick={save} disabled={err !== null}>
          {t('Save')}
        </Button>
      </div>
    </div>
  );
}

/** A boolean option saved as soon as it is switched. */
export function SwitchOption({ name, label, value, onSaved }: EditorProps) {
  const on = value === 'true';
  return (
    <div style={{ display: 'flex', gap: 8, alignItems: 'center', marginBottom: 12 }}>
      <Switch
        checked={on}
        aria-label={name}
        onChange={async (v) => (await saveOption(name, String(v))) && onSaved(name, String(v))}
      />
      <Typography.Text>{label}</Typography.Text>
    </div>
  );
}
