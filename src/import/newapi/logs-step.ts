import { LogPartitions } from '../../db/log-partitions.ts';
import type { NewLog } from '../../db/schema.ts';
import { LogType } from '../../modules/logs/log-types.ts';
import { LOG_COLUMNS, noteModels } from '../../modules/logs/log-writer.ts';
import { rebuildRollup } from '../../modules/usage-data/rebuild.ts';
import type { NewApiImporter } from './importer.ts';
import { int, readBatch, str } from './source.ts';

/** New API's log types → Tollgate's (CONTRACT §3: 4 and 5 swapped); refund (6) and others have no match. */
const LOG_TYPE: Record<number, number> = {
  1: LogType.TopUp,
  2: LogType.Consume,
  3: LogType.Manage,
  4: LogType.System,
  5: LogType.Error,
};

const WEEK = 7 * 86_400;

/**
 * Logs in id order, `batch` rows per transaction, each with the progress marker (table `imports`), so
 * a second run goes on from the last copied id; types 4 and 5 swapped, `other` kept. Then the hourly
 * rollups are rebuilt for the hours the copied logs cover.
 */
export async function importLogs(run: NewApiImporter): Promise<void> {
  const r = run.table('logs');
  const src = run.o.logs ?? run.src;
  if ((await src.columns('logs')).size === 0) {
    run.o.note?.('logs: not in the source: skipped');
    return;
  }
  const name = 'newapi.logs';
  const ldb = run.dbs.logs;
  const mark = await ldb.db
    .selectFrom('imports')
    .select('last_id')
    .where('name', '=', name)
    .executeTakeFirst();
  let after = Number(mark?.last_id ?? 0);
  r.present =
    after > 0
      ? Number(
          (
            await src.db
              .selectFrom('logs')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('id', '<=', after)
              .executeTakeFirstOrThrow()
          ).n,
        )
      : 0;
  const max = Number(
    (
      await src.db
        .selectFrom('logs')
        .select((eb) => eb.fn.max<number>('id').as('m'))
        .executeTakeFirst()
    )?.m ?? 0,
  );
  // PostgreSQL's week partitions for the whole range first, so old logs go straight to their weeks rather
  // than through the default partition (which the server's upkeep would drain row by row afterwards)
  const parts = new LogPartitions(ldb);
  if (max > after && (await parts.active())) {
    const span = await src.db
      .selectFrom('logs')
      .select((eb) => [eb.fn.min<number>('created_at').as('lo'), eb.fn.max<number>('created_at').as('hi')])
      .executeTakeFirst();
    const lo = Number(span?.lo ?? 0);
    const hi = Number(span?.hi ?? 0);
    const weeks: number[] = [];
    for (let t = lo; lo > 0 && t <= hi + WEEK; t += WEEK) weeks.push(t);
    await parts.ensureWeeks(weeks);
  }
  // New API's log columns are Tollgate's (theirs named, ours in the writer's order), plus the id to page by
  const cols = ['id', ...LOG_COLUMNS];
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  let done = 0;
  for (;;) {
    const rows = await readBatch(src, 'logs', cols, after, run.o.batch);
    if (rows.length === 0) break;
    const out: NewLog[] = [];
    for (const l of rows) {
      r.source += 1;
      const type = LOG_TYPE[int(l.type)];
      if (type === undefined) {
        run.noteSkipped(
          r,
          `type ${int(l.type)} (${int(l.type) === 6 ? 'refund' : 'unknown'}): no such log type in Tollgate`,
        );
        continue;
      }
      const at = int(l.created_at);
      first = Math.min(first, at);
      last = Math.max(last, at);
      out.push({
        // ids as Tollgate has them (a New API id was kept only where it was free); 0 for what is gone
        user_id: run.userIds.get(int(l.user_id)) ?? 0,
        username: str(l.username),
        created_at: at,
        type,
        content: str(l.content),
        token_id: run.tokenIds.get(int(l.token_id)) ?? 0,
        token_name: str(l.token_name),
        model_name: str(l.model_name),
        quota: int(l.quota),
        prompt_tokens: int(l.prompt_tokens),
        completion_tokens: int(l.completion_tokens),
        use_time: int(l.use_time),
        is_stream: int(l.is_stream),
        channel_id: run.channelIds.get(int(l.channel_id)) ?? 0,
        group: str(l.group),
        ip: str(l.ip),
        request_id: str(l.request_id).slice(0, 64),
        other: str(l.other),
      });
    }
    after = int(rows[rows.length - 1].id);
    if (!run.o.dryRun) {
      const upTo = after;
      await ldb.db.transaction().execute(async (trx) => {
        for (let i = 0; i < out.length; i += 500)
          await ldb.dialect.insertRows(trx, 'logs', LOG_COLUMNS, out.slice(i, i + 500));
        if (out.length > 0) await noteModels(trx, ldb.dialect, out);
        await ldb.dialect.upsertReplace(
          trx,
          'imports',
          { name, last_id: upTo, updated_at: Math.floor(Date.now() / 1000) },
          ['name'],
          ['last_id', 'updated_at'],
        );
      });
    }
    r.imported += out.length;
    done += rows.length;
    run.o.onProgress?.({ table: 'logs', done, lastId: after, maxId: max });
  }
  if (!run.o.dryRun && last > 0) {
    run.o.note?.(
      `rebuilding the hourly rollups from ${new Date(first * 1000).toISOString()} to ${new Date(last * 1000).toISOString()}`,
    );
    await rebuildRollup(ldb, first, last + 1);
  }
}
