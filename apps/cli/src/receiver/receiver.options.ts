/** The operator token comes from here and nowhere else: argv is visible to every user of the host. */
export const OPERATOR_TOKEN_ENV = 'CIS490_OPERATOR_TOKEN';

export const RECEIVER_URL_ENV = 'CIS490_RECEIVER_URL';

/** SPEC §12: a CA for the receiver's certificate, and the client certificate a receiver with mTLS requires. */
export const TLS_CA_ENV = 'CIS490_TLS_CA';
export const TLS_CERT_ENV = 'CIS490_TLS_CERT';
export const TLS_KEY_ENV = 'CIS490_TLS_KEY';
