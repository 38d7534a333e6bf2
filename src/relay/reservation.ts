/** What a call has reserved, and from whom. */
export interface Reservation {
  userId: number;
  tokenId: number;
  /** the token has a remain_quota to respect (not unlimited) */
  limitedToken: boolean;
  amount: number;
}

export type ReserveResult = 'ok' | 'token' | 'user';

/** Thrown inside a reservation's transaction to roll it back: why it was refused. */
export class Refused extends Error {
  constructor(readonly why: ReserveResult) {
    super(why);
  }
}
