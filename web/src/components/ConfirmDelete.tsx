import { Button, Popconfirm } from '@douyinfe/semi-ui';
import { useI18n } from '../i18n/index.tsx';

/** A row's red "Delete" button that asks first (`title`: the question, already translated). */
export function ConfirmDelete({ title, onConfirm }: { title: string; onConfirm: () => unknown }) {
  const { t } = useI18n();
  return (
    <Popconfirm title={title} onConfirm={() => void onConfirm()}>
      <Button size="small" type="danger">
        {t('Delete')}
      </Button>
    </Popconfirm>
  );
}
