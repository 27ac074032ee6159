/** The operator token comes from here and nowhere else: argv is visible to every user of the host. */
export const OPERATOR_TOKEN_ENV = 'CIS490_OPERATOR_TOKEN';

export const RECEIVER_URL_ENV = 'CIS490_RECEIVER_URL';
