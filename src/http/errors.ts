/** Typed errors thrown anywhere below the routes and mapped once (see error-handler.ts). */
export class AppError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** the request field at fault, when there is one */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, field?: string) => new AppError(400, message, field);
export const unauthorized = (message = 'not authenticated') => new AppError(401, message);
export const forbidden = (message = 'permission denied') => new AppError(403, message);
export const notFound = (message = 'not found') => new AppError(404, message);
export const conflict = (message: string) => new AppError(409, message);
export const tooManyRequests = (message = 'too many requests, try again later') => new AppError(429, message);
export const unavailable = (message: string) => new AppError(503, message);
