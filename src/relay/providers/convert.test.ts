/**
 * The stream converters and passthroughs on the awkward inputs the end-to-end tests do not produce:
 * interleaved tool-call pieces, a cut for quota mid-stream, hostile JSON values, multi-line events.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sseFrame } from '../stream.ts';
import { ChatToMessagesStream, messagesToChat } from './anthropic/messages.ts';
import { MessagesPassthrough, messagesRequestBody } from './anthropic/messages-passthrough.ts';
import { chatToGeminiRequest } from './gemini/chat.ts';
import { GeminiPassthrough } from './gemini/inbound.ts';
import { adapterFor } from './index.ts';
import { responsesToChat } from './openai-compatible/responses.ts';
import { ResponsesPassthrough } from './openai-compatible/responses-passthrough.ts';
import type { SseOut } from './types.ts';

const events = (out: SseOut[]) =>
  out.map((e) => (typeof e === 'string' ? JSON.parse(e) : JSON.parse(e.data)));
const chunk = (delta: object, finish: string | null = null) => ({
  id: 'chatcmpl-1',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe('stream converters', () => {
  it('chat → Anthropic: interleaved tool-call pieces make whole tool_use blocks, and tool calls stop as tool_use', () => {
    const c = new ChatToMessagesStream('m', 42);
    const out: SseOut[] = [];
    out.push(...c.chunk(chunk({ content: 'Checking.' })));
    out.push(
      ...c.chunk(
        chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'get', arguments: '{"ci' } }] }),
      ),
    );
    out.push(
      ...c.chunk(
        chunk({ tool_calls: [{ index: 1, id: 'call.b', function: { name: 'put', arguments: '{"x":1}' } }] }),
      ),
    );
    out.push(...c.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] })));
    // an upstream that says "stop" although it called tools
    out.push(...c.chunk(chunk({}, 'stop')));
    out.push(...c.end(), ...c.end());
    const ev = events(out);
    assert.equal(ev[0].type, 'message_start');
    assert.equal(ev[0].message.usage.input_tokens, 42, 'the estimate until the real count');
    const starts = ev
      .filter((e) => e.type === 'content_block_start')
      .map((e) => [e.index, e.content_block.type, e.content_block.id]);
    assert.deepEqual(starts, [
      [0, 'text', undefined],
      [1, 'tool_use', 'call_a'],
      [2, 'tool_use', 'call_b'],
    ]);
    const inputs = ev
      .filter((e) => e.delta?.type === 'input_json_delta')
      .map((e) => JSON.parse(e.delta.partial_json));
    assert.deepEqual(inputs, [{ city: 'Paris' }, { x: 1 }]);
    // every block stopped after its start, in order, and nothing after message_stop
    const order = ev.map((e) => `${e.type}${e.index ?? ''}`);
    assert.deepEqual(order.slice(-8), [
      'content_block_start1',
      'content_block_delta1',
      'content_block_stop1',
      'content_block_start2',
      'content_block_delta2',
      'content_block_stop2',
      'message_delta',
      'message_stop',
    ]);
    assert.equal(ev.at(-2).delta.stop_reason, 'tool_use');
  });

  it('a cut for quota ends each format from where its stream stands', () => {
    const m = new MessagesPassthrough();
    const sent = [
      {
        event: 'message_start',
        data: '{"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":5}}}',
      },
      {
        event: 'content_block_start',
        data: '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
      },
      {
        event: 'content_block_delta',
        data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}',
      },
    ];
    for (const e of sent) m.onEvent(e);
    assert.deepEqual(
      events(m.cut()).map((e) => [e.type, e.index ?? e.delta?.stop_reason ?? '']),
      [
        ['content_block_stop', 0],
        ['message_delta', 'max_tokens'],
        ['message_stop', ''],
      ],
    );
    const r = new ResponsesPassthrough();
    r.onEvent({
      event: 'response.created',
      data: '{"type":"response.created","sequence_number":0,"response":{"id":"resp_9","object":"response","status":"in_progress","output":[]}}',
    });
    r.onEvent({
      event: 'response.output_item.done',
      data: '{"type":"response.output_item.done","sequence_number":5,"output_index":0,"item":{"type":"reasoning","id":"rs_1"}}',
    });
    const [end] = events(r.cut());
    assert.equal(end.type, 'response.incomplete');
    assert.equal(end.sequence_number, 6);
    assert.equal(end.response.id, 'resp_9', 'the response under way, not a new one');
    assert.deepEqual(end.response.output, [{ type: 'reasoning', id: 'rs_1' }]);
    assert.equal(end.response.incomplete_details.reason, 'max_output_tokens');
    const [last] = events(new GeminiPassthrough().cut());
    assert.equal(last.candidates[0].finishReason, 'MAX_TOKENS');
  });

  it('hostile values (objects whose toString throws) are read as empty text, never thrown', () => {
    const evil = { toString: 1, valueOf: 1 };
    const chat = messagesToChat({
      model: 'm',
      system: [{ type: 'text', text: evil }],
      messages: [
        {
          role: 'user',
          content: [{ type: 'image', source: { type: 'base64', media_type: evil, data: evil } }],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: evil, name: evil, input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: evil, content: evil }] },
      ],
    });
    assert.equal(chat.messages.length, 3);
    assert.doesNotThrow(() =>
      responsesToChat({
        model: 'm',
        input: [{ type: 'function_call', call_id: evil, name: evil, arguments: evil }],
      }),
    );
    const stream = adapterFor(1, 'messages')!.createStreamTransformer({
      endpoint: 'messages',
      clientWantsUsage: true,
      model: 'm',
    });
    assert.doesNotThrow(() => {
      stream.onEvent({
        data: JSON.stringify({
          id: evil,
          choices: [{ delta: { content: evil, tool_calls: [{ id: evil, function: { name: evil } }] } }],
        }),
      });
      stream.onEvent({ data: '{"error":{"message":{"toString":1}}}' });
      stream.end();
    });
  });

  it('Gemini calls carry their thought signature back, or the placeholder Google documents', () => {
    const req = chatToGeminiRequest({
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'a',
              type: 'function',
              function: { name: 'f', arguments: '{}' },
              extra_content: { google: { thought_signature: 'SIG' } },
            },
            { id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'a', content: '{"ok":true}' },
      ],
    });
    const calls = req.contents[1].parts;
    assert.deepEqual(
      calls.map((p: any) => p.thoughtSignature),
      ['SIG', 'skip_thought_signature_validator'],
    );
    assert.deepEqual(req.contents[2].parts[0].functionResponse, { name: 'f', response: { ok: true } });
  });

  it('an Anthropic passthrough leaves out thinking blocks a conversion produced without a signature', () => {
    const body = JSON.parse(
      messagesRequestBody(
        {
          model: 'x',
          messages: [
            { role: 'user', content: 'hi' },
            {
              role: 'assistant',
              content: [
                { type: 'thinking', thinking: 'hm', signature: '' },
                { type: 'text', text: 'yo' },
              ],
            },
            { role: 'user', content: 'and?' },
          ],
        },
        'claude',
      ),
    );
    assert.equal(body.model, 'claude');
    assert.deepEqual(body.messages[1].content, [{ type: 'text', text: 'yo' }]);
  });

  it('an event of several data lines stays several data lines', () => {
    assert.equal(sseFrame([{ event: 'x', data: 'a\nb' }, 'c']), 'event: x\ndata: a\ndata: b\n\ndata: c\n\n');
  });
});
