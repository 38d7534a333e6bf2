import { Button, Input, InputNumber, Modal, Typography } from '@douyinfe/semi-ui';
import { useState } from 'react';
import { channels, type TagEdit } from '../api/endpoints.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';

/** Asks for one tag (a batch "Set tag"); '' removes it. */
export function TagPrompt({
  count,
  onSubmit,
  onCancel,
}: {
  count: number;
  onSubmit(tag: string): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const [tag, setTag] = useState('');
  return (
    <Modal
      visible
      title={t('Tag {n} channels', { n: count })}
      onOk={() => onSubmit(tag.trim())}
      onCancel={onCancel}
      okText={t('Save')}
    >
      <Input
        value={tag}
        onChange={setTag}
        placeholder={t('Tag (empty removes it)')}
        aria-label={t('Tag')}
        maxLength={64}
        autoFocus
      />
    </Modal>
  );
}

/**
 * What a tag filter offers (New API's tag actions): every channel with the tag enabled, disabled, or
 * edited at once (a new tag name, priority, weight), one request each.
 */
export function TagBar({ tag, onDone }: { tag: string; onDone(next?: string): void }) {
  const { t } = useI18n();
  const [editing, setEditing] = useState(false);
  const [edit, setEdit] = useState<Omit<TagEdit, 'tag'>>({});
  const run = (fn: () => Promise<number>, done: (n: number) => string, next?: string) =>
    fn().then(
      (n) => {
        Toast.success(done(n));
        setEditing(false);
        onDone(next);
      },
      (e) => Toast.error(errorText(e)),
    );
  return (
    <div className="tg-filters" data-testid="tag-bar">
      <Typography.Text strong>{t('Tag {tag}', { tag })}</Typography.Text>
      <Button
        onClick={() =>
          run(
            () => channels.setTagStatus(tag, 1),
            (n) => t('{n} channels enabled', { n }),
          )
        }
      >
        {t('Enable all')}
      </Button>
      <Button
        onClick={() =>
          run(
            () => channels.setTagStatus(tag, 2),
            (n) => t('{n} channels disabled', { n }),
          )
        }
      >
        {t('Disable all')}
      </Button>
      <Button
        onClick={() => {
          setEdit({});
          setEditing(true);
        }}
      >
        {t('Edit tag')}
      </Button>
      {editing && (
        <Modal
          visible
          title={t('Edit every channel tagged {tag}', { tag })}
          okText={t('Save')}
          onCancel={() => setEditing(false)}
          onOk={() =>
            run(
              () => channels.editTag({ tag, ...edit, new_tag: edit.new_tag?.trim() || undefined }),
              (n) => t('{n} channels changed', { n }),
              edit.new_tag?.trim() || undefined,
            )
          }
        >
          <Typography.Paragraph type="tertiary">
            {t('Empty fields are left as they are.')}
          </Typography.Paragraph>
          <div style={{ display: 'grid', gap: 8 }}>
            <Input
              value={edit.new_tag ?? ''}
              onChange={(v) => setEdit({ ...edit, new_tag: v })}
              placeholder={t('New tag name')}
              aria-label={t('New tag name')}
              maxLength={64}
            />
            <InputNumber
              value={edit.priority}
              onChange={(v) => setEdit({ ...edit, priority: typeof v === 'number' ? v : undefined })}
              placeholder={t('Priority')}
              aria-label={t('Priority')}
            />
            <InputNumber
              value={edit.weight}
              min={0}
              onChange={(v) => setEdit({ ...edit, weight: typeof v === 'number' ? v : undefined })}
              placeholder={t('Weight')}
              aria-label={t('Weight')}
            />
          </div>
        </Modal>
      )}
    </div>
  );
}
