/**
 * The vendor of a model without metadata, from its name. Used when reading only: nothing is written.
 * Order matters where prefixes overlap (an "o1"… model is OpenAI's, "gpt-oss" too).
 */
const RULES: Array<[RegExp, string]> = [
  [
    /^(gpt-|chatgpt-|o1|o3|o4|text-embedding-|dall-e|whisper|tts-|davinci|babbage|omni-moderation)/i,
    'OpenAI',
  ],
  [/^claude/i, 'Anthropic'],
  [/^(gemini|gemma|text-bison|chat-bison|imagen)/i, 'Google'],
  [/^deepseek/i, 'DeepSeek'],
  [/^(qwen|qwq|qvq)/i, 'Alibaba'],
  [/^(llama|meta-llama)/i, 'Meta'],
  [/^(mistral|mixtral|codestral|pixtral|ministral)/i, 'Mistral'],
  [/^grok/i, 'xAI'],
  [/^(moonshot|kimi)/i, 'Moonshot'],
  [/^(glm|chatglm|cogview)/i, 'Zhipu'],
];

/** The vendor name a model's name suggests, or null. */
export function inferVendor(model: string): string | null {
  for (const [re, vendor] of RULES) if (re.test(model)) return vendor;
  return null;
}

/** Every vendor name the rules produce (migration main-002 creates them; a test keeps the two in step). */
export const INFERRED_VENDORS = [...new Set(RULES.map(([, v]) => v))];
