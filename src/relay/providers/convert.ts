/**
 * A call whose inbound format its channel does not speak goes through OpenAI chat: the request as chat
 * to the channel's chat adapter, its chat answer (or chunks) back into the inbound format. Composed from
 * the pure converters in each provider folder.
 */
import type {
  ChatStreamConverter,
  InboundCodec,
  ProviderAdapter,
  ResponseOutput,
  SseEvent,
  SseOut,
  StreamTransformer,
} from './types.ts';

/** The upstream's chat stream, re-expressed event by event in the inbound format. */
class ViaChatStream implements StreamTransformer {
  constructor(
    private readonly upstream: StreamTransformer,
    private readonly out: ChatStreamConverter,
  ) {}

  get usage() {
    return this.upstream.usage;
  }

  get complete() {
    return this.upstream.complete;
  }

  private convert(payloads: SseOut[]): SseOut[] {
    const res: SseOut[] = [];
    for (const p of payloads) {
      const data = typeof p === 'string' ? p : p.data;
      let events: SseOut[];
      try {
        events = data === '[DONE]' ? this.out.end() : this.out.chunk(JSON.parse(data));
      } catch {
        continue; // not JSON, or nothing a converter can read: dropped, never thrown at the stream
      }
      for (const e of events) res.push(e);
    }
    return res;
  }

  onEvent(ev: SseEvent): SseOut[] {
    return this.convert(this.upstream.onEvent(ev));
  }

  end(): SseOut[] {
    const res = this.convert(this.upstream.end());
    for (const e of this.out.end()) res.push(e);
    return res;
  }

  cut(): SseOut[] {
    if (this.out.cut) return this.out.cut();
    const res = this.out.chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'length' }] });
    for (const e of this.out.end()) res.push(e);
    return res;
  }

  producedText(): string {
    return this.upstream.producedText();
  }

  takeText(): string {
    return this.upstream.takeText();
  }
}

/** `upstream` (which speaks chat) serving calls made in `inbound`'s format. */
export function viaChat(inbound: InboundCodec, upstream: ProviderAdapter): ProviderAdapter {
  return {
    name: `${inbound.endpoint}>${upstream.name}`,
    wire: upstream.wire,
    supports: (endpoint) => endpoint === inbound.endpoint,
    buildRequest: (i) =>
      upstream.buildRequest({
        ...i,
        endpoint: 'chat',
        body: i.chat ?? inbound.toChat(i.body),
        forward: undefined,
      }),
    transformResponse: (_endpoint, text, model): ResponseOutput => {
      const out = upstream.transformResponse('chat', text, model);
      const chat = out.json ?? JSON.parse(out.body);
      return { ...out, body: JSON.stringify(inbound.fromChat(chat, model)), json: undefined };
    },
    createStreamTransformer: (opts) =>
      new ViaChatStream(
        upstream.createStreamTransformer({ endpoint: 'chat', clientWantsUsage: true, model: opts.model }),
        inbound.streamFromChat(opts.model, opts.promptEstimate),
      ),
    errorMessage: upstream.errorMessage,
    modelsRequest: upstream.modelsRequest,
  };
}
