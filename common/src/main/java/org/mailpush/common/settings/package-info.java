/**
 * The rules a setting obeys, shared by the configuration and the settings records: {@link Settings} (a value left out
 * takes its default, a value given must lie in its range), {@link Durations} ({@code 500ms}, {@code 30s}, {@code 5m})
 * and {@link HostPort} ({@code 127.0.0.1:9180}, {@code [::1]:11619}).
 *
 * <p>In: values as the configuration writes them or a builder is given them. Out: checked values, or a
 * {@link SettingException} whose message starts with the key. Stateless: safe from any thread.</p>
 */
package org.mailpush.common.settings;
