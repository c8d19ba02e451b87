package org.mailpush.store;

/** The token store could not complete an operation (database unreachable, constraint broken, ...). */
public class TokenStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TokenStoreException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
