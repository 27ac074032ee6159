/** Where the receiver is when neither --receiver nor CIS490_RECEIVER_URL says. */
export const DEFAULT_RECEIVER_URL = 'http://127.0.0.1:8471';

/** The operator token comes from here and nowhere else: argv is visible to every user of the host. */
export const OPERATOR_TOKEN_ENV = 'CIS490_OPERATOR_TOKEN';

export const RECEIVER_URL_ENV = 'CIS490_RECEIVER_URL';
