/**
 * `npm run import:newapi -- --from <New API database>` (CONTRACT §9): copies users, tokens, channels, options,
 * redemption codes, vendors, model metadata and logs from a New API database (a SQLite file path,
 * `mysql://…` or `postgres://…`) into the databases Tollgate is configured with (the same environment as
 * `npm start`: SQL_DSN, LOG_SQL_DSN, SQLITE_PATH, SESSION_SECRET), migrating them first.
 *
 *   --logs-from <dsn>  New API's log database, when it kept one apart (its LOG_SQL_DSN)
 *   --dry-run          read everything, write nothing: what would be imported and what skipped, and why
 *   --batch <n>        rows per read and per log transaction (default 5000)
 *
 * Run it again at any time: rows already copied are left alone, logs go on from the last copied id.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.ts';
import { openDatabases } from '../../db/connect.ts';
import { migrate } from '../../db/migrate.ts';
import { ChannelKeyCipher } from '../../modules/channels/channel-key.ts';
import { OptionsRepo } from '../../modules/options/options.repo.ts';
import { TokenKeys } from '../../modules/tokens/token-keys.ts';
import { resolveSecret } from '../../secret.ts';
import { NewApiImporter, type TableReport } from './importer.ts';
import { openSource } from './source.ts';

const COUNTED: Record<string, string> = {
  users: 'users',
  tokens: 'tokens',
  channels: 'channels',
  redemptions: 'redemptions',
  vendors: 'vendors',
  models: 'model_meta',
  options: 'options',
  logs: 'logs',
};

function progressLine(started: number) {
  let lastPrint = 0;
  return (p: { table: string; done: number; lastId: number; maxId: number }) => {
    const now = Date.now();
    const tty = process.stderr.isTTY;
    if (!tty && now - lastPrint < 2000 && p.lastId < p.maxId) return;
    lastPrint = now;
    const secs = (now - started) / 1000;
    const rate = p.done / Math.max(secs, 0.001);
    const share = p.maxId > 0 ? Math.min(1, p.lastId / p.maxId) : 1;
    const eta = share > 0 ? secs / share - secs : 0;
    const bar = '#'.repeat(Math.round(share * 30)).padEnd(30, '.');
    const line = `${p.table} [${bar}] ${(share * 100).toFixed(1)}%  ${p.done.toLocaleString('en')} rows  ${Math.round(rate).toLocaleString('en')} rows/s  ETA ${Math.max(0, Math.round(eta))} s`;
    process.stderr.write(tty ? `\r${line}` : `${line}\n`);
  };
}

function printReport(report: Map<string, TableReport>, after: Map<string, number>, dryRun: boolean): void {
  const rows = [
    [
      'table',
      'in New API',
      dryRun ? 'would import' : 'imported',
      'already there',
      'skipped',
      'in Tollgate now',
    ],
  ];
  const reasons: string[] = [];
  for (const [name, r] of report) {
    const skipped = [...r.skipped.values()].reduce((a, b) => a + b, 0);
    rows.push([
      name,
      String(r.source),
      String(r.imported),
      String(r.present),
      String(skipped),
      String(after.get(name) ?? '-'),
    ]);
    for (const [why, n] of r.skipped) if (n > 0) reasons.push(`  ${name}: ${n} skipped: ${why}`);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows)
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  if (reasons.length > 0) console.log(`\n${reasons.join('\n')}`);
}

try {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      'logs-from': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      batch: { type: 'string', default: '5000' },
    },
  });
  if (!values.from) throw new Error('--from is required: a New API SQLite file, mysql://… or postgres://…');
  const batch = Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 50_000)
    throw new Error('--batch must be an integer from 1 to 50000');
  const config = loadConfig();
  const dbs = openDatabases(config);
  const src = openSource(values.from);
  const logs = values['logs-from'] ? openSource(values['logs-from']) : undefined;
  try {
    await migrate(dbs);
    const secret = await resolveSecret(config, new OptionsRepo(dbs.main), (line) => console.error(line));
    const keySecret = config.channelKeySecret || secret;
    const started = Date.now();
    const importer = new NewApiImporter(src, dbs, {
      logs,
      dryRun: values['dry-run'],
      batch,
      keys: new TokenKeys(keySecret),
      cipher: new ChannelKeyCipher(keySecret),
      onProgress: progressLine(started),
      note: (line) => console.error(`note: ${line}`),
    });
    await importer.run();
    if (process.stderr.isTTY) process.stderr.write('\n');
    const after = new Map<string, number>();
    for (const [name, table] of Object.entries(COUNTED)) {
      const db = name === 'logs' ? dbs.logs.db : dbs.main.db;
      const n = await (db as any)
        .selectFrom(table)
        .select((eb: any) => eb.fn.countAll().as('n'))
        .executeTakeFirst();
      after.set(name, Number(n?.n ?? 0));
    }
    printReport(importer.report, after, values['dry-run']);
    const peakMb = Math.round(process.resourceUsage().maxRSS / 1024);
    console.log(
      `\n${values['dry-run'] ? 'dry run (nothing written)' : 'done'} in ${((Date.now() - started) / 1000).toFixed(1)} s, peak RSS ${peakMb} MB`,
    );
  } finally {
    await src.close();
    await logs?.close();
    await dbs.close();
  }
} catch (err) {
  console.error(`import:newapi: ${(err as Error).message}`);
  process.exit(1);
}
