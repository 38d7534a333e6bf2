import { Button, Descriptions, Select, TextArea, Typography } from '@douyinfe/semi-ui';
import { useEffect, useRef, useState } from 'react';
import { logs, playground, tokens } from '../api/endpoints.ts';
import type { LogRow, Token } from '../api/types.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText, formatQuota } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';
import { useSession } from '../state/session.tsx';

/**
 * Try a model from the browser (issue 21): one of the user's own tokens, a model they may call, a streamed
 * reply through `/v1/chat/completions` exactly as a client would make it, then the log row it produced.
 */
export default function Playground() {
  const { t } = useI18n();
  const { status } = useSession();
  const [mine, setMine] = useState<Token[]>([]);
  const [models, setModels] = useState<string[]>([]);
  const [tokenId, setTokenId] = useState<number | undefined>();
  const [model, setModel] = useState<string | undefined>();
  const [prompt, setPrompt] = useState('');
  const [reply, setReply] = useState('');
  const [busy, setBusy] = useState(false);
  const [row, setRow] = useState<LogRow | null>(null);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => {
    tokens.list(1, 100).then(
      (p) => {
        const usable = p.items.filter((x) => x.status === 1);
        setMine(usable);
        setTokenId((id) => id ?? usable[0]?.id);
      },
      (e) => Toast.error(errorText(e)),
    );
    playground.models().then(
      (m) => {
        setModels(m);
        setModel((x) => x ?? m[0]);
      },
      (e) => Toast.error(errorText(e)),
    );
    return () => abort.current?.abort();
  }, []);

  const send = async () => {
    const token = mine.find((x) => x.id === tokenId);
    if (!token || !model || !prompt.trim()) return;
    setBusy(true);
    setReply('');
    setRow(null);
    abort.current = new AbortController();
    try {
      const key = await tokens.key(token.id);
      await playground.chat(key, model, prompt, abort.current.signal, (text) => setReply((r) => r + text));
      // the call's one log row (it is written within a moment of the reply)
      for (let i = 0; i < 10; i++) {
        const page = await logs.list(false, { token_name: token.name, type: 2 }, 1, 1);
        const newest = page.items[0];
        if (newest && newest.model_name === model && Date.now() / 1000 - newest.created_at < 120) {
          setRow(newest);
          break;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    } catch (e) {
      Toast.error(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div style={{ maxWidth: 860 }}>
      <Typography.Title heading={4} style={{ marginBottom: 12 }}>
        {t('Playground')}
      </Typography.Title>
      <div className="tg-filters">
        <Select
          placeholder={t('Token')}
          value={tokenId}
          onChange={(v) => setTokenId(v as number)}
          optionList={mine.map((x) => ({ value: x.id, label: x.name }))}
          style={{ width: 220 }}
          aria-label={t('Token')}
        />
        <Select
          placeholder={t('Model')}
          value={model}
          filter
          onChange={(v) => setModel(v as string)}
          optionList={models.map((m) => ({ value: m, label: m }))}
          style={{ width: 260 }}
          aria-label={t('Model')}
        />
      </div>
      <TextArea
        value={prompt}
        onChange={setPrompt}
        placeholder={t('Ask something')}
        autosize={{ minRows: 3, maxRows: 10 }}
        aria-label={t('Ask something')}
      />
      <div className="tg-filters" style={{ marginTop: 8 }}>
        <Button theme="solid" loading={busy} disabled={!tokenId || !model} onClick={send}>
          {t('Send')}
        </Button>
        {busy && <Button onClick={() => abort.current?.abort()}>{t('Stop')}</Button>}
        {mine.length === 0 && <Typography.Text type="warning">{t('Create a token first')}</Typography.Text>}
      </div>
      <div
        data-testid="playground-reply"
        className="tg-mono"
        style={{ whiteSpace: 'pre-wrap', minHeight: 48, marginTop: 12 }}
      >
        {reply}
      </div>
      {row && (
        <div data-testid="playground-log" style={{ marginTop: 12 }}>
          <Typography.Title heading={6}>{t('The log of this call')}</Typography.Title>
          <Descriptions
            size="small"
            data={[
              { key: t('Model'), value: row.model_name },
              { key: t('Prompt'), value: row.prompt_tokens },
              { key: t('Completion'), value: row.completion_tokens },
              { key: t('Cost'), value: formatQuota(row.quota, status?.quota_per_unit) },
              { key: t('Time (s)'), value: row.use_time },
              { key: 'request_id', value: row.request_id },
            ]}
          />
        </div>
      )}
    </div>
  );
}
