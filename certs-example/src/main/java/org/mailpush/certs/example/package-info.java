/**
 * A throwaway PKI shaped like Apple's push PKI, for the demo and the tests: {@link ExamplePki#create} writes a CA, a
 * {@code localhost} certificate for a mock APNs and mail push client certificates into one folder;
 * {@link GenerateExampleCertificates} is its command line ({@code certs-example/generate.sh}).
 *
 * <p>In: a folder. Out: key and certificate files (the CA key beside them, on purpose: nothing here is fit for
 * production). Immutable once created; issuing more client certificates is for one thread at a time.</p>
 */
package org.mailpush.certs.example;
