/**
 * Audio uploads (`/v1/audio/transcriptions`, `/translations`: multipart/form-data). The upload is streamed
 * to a temporary file as it arrives (never held whole in memory), its fields read on the way; the upstream
 * request then streams the file from disk (a file-backed Blob), so a retry on another channel re-reads it.
 */
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Busboy from 'busboy';
import { RelayError } from './token-auth.ts';

/** OpenAI's own limit for an audio file. */
export const MAX_AUDIO_BYTES = 25 * 1024 * 1024;
const MAX_FIELDS = 32;
const MAX_FIELD_BYTES = 64 * 1024;

export interface Upload {
  /** the text fields (model, language, prompt, response_format, temperature …) */
  fields: Record<string, string>;
  file: { blob: Blob; filename: string; type: string; size: number };
  /** removes the temporary file (always called once the call is over) */
  dispose(): Promise<void>;
}

/** Reads a multipart upload into fields and one temporary file; 400/413 naming what is wrong. */
export async function readUpload(raw: IncomingMessage, limit = MAX_AUDIO_BYTES): Promise<Upload> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-upload-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const fields: Record<string, string> = {};
    let file: { path: string; filename: string; type: string; size: number } | null = null;
    let tooLarge = false;
    const writes: Promise<void>[] = [];
    let bb: Busboy.Busboy;
    try {
      bb = Busboy({
        headers: raw.headers,
        limits: { files: 1, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES, fileSize: limit },
      });
    } catch (err) {
      throw new RelayError(400, `body: ${(err as Error).message}`, 'invalid_request_error');
    }
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    bb.on('file', (name, stream, info) => {
      if (name !== 'file' || file) {
        stream.resume();
        return;
      }
      const path = join(dir, 'audio');
      const f = {
        path,
        filename: info.filename || 'audio',
        type: info.mimeType || 'application/octet-stream',
        size: 0,
      };
      file = f;
      stream.on('data', (c: Buffer) => {
        f.size += c.length;
      });
      stream.on('limit', () => {
        tooLarge = true;
      });
      writes.push(pipeline(stream, createWriteStream(path)));
    });
    await pipeline(raw, bb);
    await Promise.all(writes);
    if (tooLarge)
      throw new RelayError(413, `file: larger than ${limit / 1024 / 1024} MB`, 'request_too_large');
    if (!file) throw new RelayError(400, 'file: required (multipart field "file")', 'invalid_request_error');
    const f = file as { path: string; filename: string; type: string; size: number };
    if (f.size === 0) throw new RelayError(400, 'file: empty', 'invalid_request_error');
    const blob = await openAsBlob(f.path, { type: f.type });
    return { fields, file: { blob, filename: f.filename, type: f.type, size: f.size }, dispose };
  } catch (err) {
    await dispose();
    if (err instanceof RelayError) throw err;
    throw new RelayError(
      400,
      `body: the upload could not be read (${(err as Error).message})`,
      'invalid_request_error',
    );
  }
}
