import type { Usage } from '../types.ts';
import { num, str, usageOf } from '../types.ts';

type Obj = Record<string, any>;

export function partsText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const p of content as any[]) if (typeof p?.text === 'string') out += p.text;
  return out;
}

function userParts(content: unknown): string | Obj[] {
  if (typeof content === 'string') return content;
  const parts: Obj[] = [];
  for (const p of Array.isArray(content) ? (content as any[]) : []) {
    if (p?.type === 'input_text' || p?.type === 'output_text' || p?.type === 'text')
      parts.push({ type: 'text', text: str(p.text ?? '') });
    else if (p?.type === 'input_image' && (p.image_url || p.url))
      parts.push({
        type: 'image_url',
        image_url: { url: str(p.image_url ?? p.url), ...(p.detail ? { detail: p.detail } : {}) },
      });
  }
  return parts.length === 1 && parts[0].type === 'text' ? parts[0].text : parts;
}

function toolChoice(c: any): unknown {
  if (c === 'auto' || c === 'none' || c === 'required') return c;
  if (c?.type === 'function' && typeof c.name === 'string')
    return { type: 'function', function: { name: c.name } };
  return undefined;
}

/** A Responses request (stateless) → an OpenAI chat request. */
export function responsesToChat(b: Obj): Obj {
  const messages: Obj[] = [];
  if (typeof b.instructions === 'string' && b.instructions)
    messages.push({ role: 'system', content: b.instructions });
  const items: any[] = typeof b.input === 'string' ? [{ role: 'user', content: b.input }] : (b.input ?? []);
  for (const it of items) {
    const type = it?.type ?? 'message';
    if (type === 'message') {
      const role = it.role === 'developer' ? 'system' : it.role;
      if (role === 'assistant') messages.push({ role, content: partsText(it.content) });
      else if (role === 'system') messages.push({ role, content: partsText(it.content) });
      else messages.push({ role: 'user', content: userParts(it.content) });
    } else if (type === 'function_call') {
      const call = {
        id: str(it.call_id ?? it.id ?? ''),
        type: 'function',
        function: { name: str(it.name ?? ''), arguments: str(it.arguments ?? '') },
      };
      // consecutive calls (and a call right after the assistant's text) form one assistant turn
      const last = messages.at(-1);
      // in place: a copy per call would make a body of many calls cost its square
      if (last?.role === 'assistant') {
        last.tool_calls ??= [];
        last.tool_calls.push(call);
      } else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else if (type === 'function_call_output') {
      const output = typeof it.output === 'string' ? it.output : partsText(it.output);
      messages.push({ role: 'tool', tool_call_id: str(it.call_id ?? ''), content: output });
    }
    // reasoning items and built-in tool calls carry nothing another provider can use
  }
  const out: Obj = { model: b.model, messages };
  if (b.max_output_tokens != null) out.max_tokens = b.max_output_tokens;
  if (b.temperature != null) out.temperature = b.temperature;
  if (b.top_p != null) out.top_p = b.top_p;
  if (typeof b.user === 'string') out.user = b.user;
  if (b.parallel_tool_calls != null) out.parallel_tool_calls = b.parallel_tool_calls;
  if (typeof b.reasoning?.effort === 'string') out.reasoning_effort = b.reasoning.effort;
  const fmt = b.text?.format;
  if (fmt?.type === 'json_schema')
    out.response_format = {
      type: 'json_schema',
      json_schema: {
        name: fmt.name ?? 'answer',
        schema: fmt.schema,
        ...(fmt.strict != null ? { strict: fmt.strict } : {}),
      },
    };
  else if (fmt?.type === 'json_object') out.response_format = { type: 'json_object' };
  const tools = (Array.isArray(b.tools) ? b.tools : []).filter((t: any) => t?.type === 'function' && t.name);
  if (tools.length) {
    out.tools = tools.map((t: any) => ({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        parameters: t.parameters ?? { type: 'object', properties: {} },
        ...(t.strict != null ? { strict: t.strict } : {}),
      },
    }));
    const choice = toolChoice(b.tool_choice);
    if (choice) out.tool_choice = choice;
  }
  if (b.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

/** Responses usage → OpenAI chat's. */
export function readResponsesUsage(u: any): Usage | undefined {
  if (!u || typeof u.input_tokens !== 'number') return undefined;
  return usageOf(
    u.input_tokens,
    num(u.output_tokens),
    num(u.input_tokens_details?.cached_tokens),
    num(u.output_tokens_details?.reasoning_tokens),
  );
}

export function responsesUsage(u: Usage | undefined): Obj {
  const input = num(u?.prompt_tokens);
  const output = num(u?.completion_tokens);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: num(u?.prompt_tokens_details?.cached_tokens) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: num(u?.completion_tokens_details?.reasoning_tokens) },
    total_tokens: input + output,
  };
}

export const respId = (id: unknown) => {
  const s = typeof id === 'string' && id ? id.replace(/^chatcmpl-/, '') : `${Date.now()}`;
  return s.startsWith('resp_') ? s : `resp_${s}`;
};

export function shell(id: string, model: string, created: number): Obj {
  return {
    id,
    object: 'response',
    created_at: created,
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: null,
    model,
    output: [],
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage: null,
  };
}

export function finished(r: Obj, finish: unknown, usage: Usage | undefined): Obj {
  const length = finish === 'length';
  return {
    ...r,
    status: length ? 'incomplete' : 'completed',
    incomplete_details: length ? { reason: 'max_output_tokens' } : null,
    usage: responsesUsage(usage),
  };
}

export const messageItem = (id: string, text: string | null, status: string) => ({
  type: 'message',
  id,
  status,
  role: 'assistant',
  content: text === null ? [] : [{ type: 'output_text', text, annotations: [] }],
});

/** An OpenAI chat completion → a Response. */
export function chatToResponse(chat: any, model: string): Obj {
  const choice = chat?.choices?.[0] ?? {};
  const m = choice.message ?? {};
  const id = respId(chat?.id);
  const output: Obj[] = [];
  if (typeof m.reasoning_content === 'string' && m.reasoning_content)
    output.push({
      type: 'reasoning',
      id: `rs_${id.slice(5)}`,
      summary: [{ type: 'summary_text', text: m.reasoning_content }],
    });
  const text = typeof m.content === 'string' ? m.content : partsText(m.content);
  if (text) output.push(messageItem(`msg_${id.slice(5)}`, text, 'completed'));
  for (const c of Array.isArray(m.tool_calls) ? m.tool_calls : [])
    output.push({
      type: 'function_call',
      id: `fc_${str(c?.id ?? output.length)}`,
      call_id: str(c?.id ?? ''),
      name: str(c?.function?.name ?? ''),
      arguments: str(c?.function?.arguments ?? ''),
      status: 'completed',
    });
  const created = typeof chat?.created === 'number' ? chat.created : Math.floor(Date.now() / 1000);
  return finished({ ...shell(id, model, created), output }, choice.finish_reason, chat?.usage);
}
