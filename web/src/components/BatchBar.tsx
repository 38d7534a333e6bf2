import { Button, Typography } from '@douyinfe/semi-ui';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { ConfirmDelete } from './ConfirmDelete.tsx';

/**
 * What a list offers for its selected rows (channels, tokens, users): enable, disable, the page's own
 * actions (`children`), delete after a confirmation. Nothing while no row is selected.
 */
export function BatchBar({
  testId,
  count,
  onEnable,
  onDisable,
  deleteTitle,
  onDelete,
  children,
}: {
  testId: string;
  count: number;
  onEnable(): void;
  onDisable(): void;
  deleteTitle: string;
  onDelete(): void;
  children?: ReactNode;
}) {
  const { t } = useI18n();
  if (count === 0) return null;
  return (
    <div className="tg-filters" data-testid={testId}>
      <Typography.Text>{t('{n} selected', { n: count })}</Typography.Text>
      <Button onClick={onEnable}>{t('Enable')}</Button>
      <Button onClick={onDisable}>{t('Disable')}</Button>
      {children}
      <ConfirmDelete title={deleteTitle} onConfirm={onDelete} />
    </div>
  );
}
