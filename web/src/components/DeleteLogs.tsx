import { Button, DatePicker, Modal, Progress, Typography } from '@douyinfe/semi-ui';
import { useState } from 'react';
import { logs } from '../api/endpoints.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText, formatTime, nowSec } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';

const STEPS = 10;

/**
 * Admin: delete every log before a date. The range from the oldest log to the target is cut into
 * STEPS deletes (`DELETE /api/log/?target_timestamp=`), each ending later, so the bar shows real progress.
 */
export function DeleteLogs({ onDone }: { onDone(): void }) {
  const { t } = useI18n();
  const [target, setTarget] = useState<Date>(() => new Date());
  const [progress, setProgress] = useState<number | null>(null);
  const [deleted, setDeleted] = useState(0);

  const run = async (targetSec: number) => {
    setProgress(0);
    setDeleted(0);
    let total = 0;
    try {
      const first = await logs.edge(targetSec - 1, 'desc');
      // the oldest row (totals stop counting at 10,000, so its page number is not known)
      const oldest =
        first.total > 0
          ? ((await logs.edge(targetSec - 1, 'asc')).items[0]?.created_at ?? targetSec)
          : targetSec;
      for (let i = 1; i <= STEPS; i++) {
        const at = i === STEPS ? targetSec : Math.ceil(oldest + ((targetSec - oldest) * i) / STEPS);
        total += await logs.deleteBefore(at);
        setDeleted(total);
        setProgress(Math.round((i / STEPS) * 100));
      }
      Toast.success(t('Deleted {n} logs', { n: total }));
    } catch (e) {
      Toast.error(errorText(e));
    } finally {
      onDone();
    }
  };

  const [asking, setAsking] = useState(false);
  const targetSec = Math.floor(target.getTime() / 1000);
  const confirm = () => {
    setAsking(false);
    run(Math.min(targetSec, nowSec() + 1));
  };

  return (
    <div className="tg-filters" data-testid="delete-logs">
      <Typography.Text strong>{t('Delete logs before')}</Typography.Text>
      <DatePicker type="dateTime" value={target} onChange={(v) => v && setTarget(new Date(v as Date))} />
      <Button type="danger" onClick={() => setAsking(true)} disabled={progress !== null && progress < 100}>
        {t('Delete')}
      </Button>
      <Modal
        visible={asking}
        title={t('Delete logs')}
        onOk={confirm}
        onCancel={() => setAsking(false)}
        okText={t('Delete')}
        okButtonProps={{ type: 'danger', theme: 'solid' }}
      >
        {t('Delete every log created before {time}? This cannot be undone.', { time: formatTime(targetSec) })}
      </Modal>
      {progress !== null && (
        <span style={{ display: 'flex', alignItems: 'center', gap: 8 }} data-testid="delete-progress">
          <Progress percent={progress} showInfo style={{ width: 160 }} aria-label="delete progress" />
          <Typography.Text>{t('{n} deleted', { n: deleted })}</Typography.Text>
        </span>
      )}
    </div>
  );
}
