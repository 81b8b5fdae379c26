/** The bench app's GitHub App id (tells its own check runs from other apps') and webhook secret. */
export const APP_ID = 1;
export const WEBHOOK_SECRET = "bench-webhook-secret";
