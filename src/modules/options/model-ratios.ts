/**
 * Default prices for widely used models, in New API's units: model ratio 1 = $2 per 1M prompt tokens
 * (so ratio = USD per 1M input tokens ÷ 2); completion ratio = output price ÷ input price. From the
 * providers' public list prices (USD per 1M tokens, input/output) in 2025–2026; operators override
 * them with the ModelRatio / CompletionRatio options.
 */
const PRICES: Record<string, [input: number, output: number]> = {
  'gpt-4o': [2.5, 10],
  'gpt-4o-2024-11-20': [2.5, 10],
  'gpt-4o-mini': [0.15, 0.6],
  'gpt-4.1': [2, 8],
  'gpt-4.1-mini': [0.4, 1.6],
  'gpt-4.1-nano': [0.1, 0.4],
  'gpt-4-turbo': [10, 30],
  'gpt-4': [30, 60],
  'gpt-3.5-turbo': [0.5, 1.5],
  o1: [15, 60],
  'o1-mini': [1.1, 4.4],
  o3: [2, 8],
  'o3-mini': [1.1, 4.4],
  'o4-mini': [1.1, 4.4],
  'text-embedding-3-small': [0.02, 0.02],
  'text-embedding-3-large': [0.13, 0.13],
  'text-embedding-ada-002': [0.1, 0.1],
  'claude-3-5-haiku-20241022': [0.8, 4],
  'claude-3-5-sonnet-20241022': [3, 15],
  'claude-3-7-sonnet-20250219': [3, 15],
  'claude-sonnet-4-20250514': [3, 15],
  'claude-opus-4-20250514': [15, 75],
  'gemini-1.5-flash': [0.075, 0.3],
  'gemini-1.5-pro': [1.25, 5],
  'gemini-2.0-flash': [0.1, 0.4],
  'gemini-2.5-flash': [0.3, 2.5],
  'gemini-2.5-pro': [1.25, 10],
  'deepseek-chat': [0.27, 1.1],
  'deepseek-reasoner': [0.55, 2.19],
  'qwen-turbo': [0.05, 0.2],
  'qwen-plus': [0.4, 1.2],
  'qwen-max': [1.6, 6.4],
};

const round = (n: number) => Number(n.toPrecision(6));

export const DEFAULT_MODEL_RATIO: Record<string, number> = Object.fromEntries(
  Object.entries(PRICES).map(([m, [input]]) => [m, round(input / 2)]),
);
export const DEFAULT_COMPLETION_RATIO: Record<string, number> = Object.fromEntries(
  Object.entries(PRICES).map(([m, [input, output]]) => [m, round(output / input)]),
);
