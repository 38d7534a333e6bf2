/**
 * OpenAI Responses to an OpenAI channel as they are (passthrough): the answer byte for byte, the events
 * forwarded; usage from the final event, text from the deltas, and what a quota cut needs to end the stream.
 */

import { TextLog } from '../text-log.ts';
import type { ResponseOutput, SseEvent, SseOut, StreamTransformer, Usage } from '../types.ts';
import { str } from '../types.ts';
import { partsText, readResponsesUsage, respId } from './responses.ts';

type Obj = Record<string, any>;

function producedOf(r: any): string {
  let out = '';
  for (const it of Array.isArray(r?.output) ? r.output : []) {
    if (it?.type === 'message') out += partsText(it.content);
    else if (it?.type === 'function_call') out += str(it.arguments ?? '');
    else if (it?.type === 'reasoning') out += partsText(it.summary);
  }
  return out;
}

export function responsesResponse(text: string): ResponseOutput {
  const json = JSON.parse(text);
  return { body: text, json, usage: readResponsesUsage(json?.usage), text: () => producedOf(json) };
}

const DELTAS = new Set([
  'response.output_text.delta',
  'response.function_call_arguments.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_text.delta',
]);
const FINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** Responses events pass through as they came; usage from the final event, text from the deltas. */
export class ResponsesPassthrough implements StreamTransformer {
  usage: Usage | undefined;
  private readonly log = new TextLog();
  /** the response as `response.created` announced it, and the items finished since (for a cut) */
  private response: Obj | null = null;
  private readonly done: Obj[] = [];
  private seq = 0;
  /** response.completed, .incomplete or .failed, or an error event, came */
  complete = false;

  onEvent(e: SseEvent): SseOut[] {
    const name = e.event;
    if (name && (FINAL.has(name) || name === 'error')) this.complete = true;
    if (name === 'response.created' || name === 'response.output_item.done') {
      try {
        const json = JSON.parse(e.data);
        if (json?.type === 'response.created' && json.response && typeof json.response === 'object')
          this.response = json.response;
        else if (json?.item && typeof json.item === 'object') this.done.push(json.item);
        if (typeof json?.sequence_number === 'number') this.seq = json.sequence_number + 1;
      } catch {
        // not JSON: passed on
      }
    }
    if (!name || DELTAS.has(name) || FINAL.has(name)) {
      try {
        const json = JSON.parse(e.data);
        if (DELTAS.has(json?.type) && typeof json.delta === 'string') this.log.push(json.delta);
        else if (json?.type === 'error') this.complete = true;
        else if (FINAL.has(json?.type)) {
          this.complete = true;
          this.usage = readResponsesUsage(json.response?.usage) ?? this.usage;
        }
      } catch {
        // not JSON: passed on
      }
    }
    return [e];
  }

  end(): SseOut[] {
    return [];
  }

  /** Cut for quota: `response.incomplete` for the response under way, with the items it finished. */
  cut(): SseOut[] {
    const response = {
      ...(this.response ?? { id: respId(''), object: 'response', model: '' }),
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: this.done,
    };
    const type = 'response.incomplete';
    return [{ event: type, data: JSON.stringify({ type, sequence_number: this.seq, response }) }];
  }

  producedText(): string {
    return this.log.all();
  }

  takeText(): string {
    return this.log.take();
  }
}
