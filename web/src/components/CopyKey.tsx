import { IconCopy } from '@douyinfe/semi-icons';
import { Button } from '@douyinfe/semi-ui';
import { useI18n } from '../i18n/index.tsx';
import { Toast } from '../lib/toast.tsx';

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // clipboard API needs a secure context: fall back to a hidden textarea
    const ta = document.createElement('textarea');
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  }
}

/** A secret shown in full with a copy button. */
export function CopyKey({ value, testId }: { value: string; testId?: string }) {
  const { t } = useI18n();
  return (
    <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
      <code className="tg-mono" data-testid={testId}>
        {value}
      </code>
      <Button
        icon={<IconCopy />}
        onClick={async () =>
          (await copyText(value)) ? Toast.success(t('Copied')) : Toast.error(t('Copy failed'))
        }
      >
        {t('Copy')}
      </Button>
    </div>
  );
}
