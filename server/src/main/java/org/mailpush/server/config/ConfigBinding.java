package org.mailpush.server.config;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.mailpush.common.settings.Durations;
import org.mailpush.common.settings.HostPort;
import org.mailpush.common.settings.SettingException;
import org.mailpush.notifyd.cyrus.CyrusSettings;
import org.mailpush.pusher.credentials.ApnsEnvironment;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Binds YAML to the settings records with Jackson, the way the configuration file is written: kebab-case keys,
 * durations like {@code 30s}, enums in lower case ({@code proxy-v2}), {@code yes}/{@code no} booleans, unknown keys
 * refused with the nearest known one ({@link #refuseUnknownKeys}, walking the records; Jackson's own refusal
 * stays on as a backstop). Every Jackson problem becomes one sentence led by the key path
 * ({@code apns.retry.max-attempts: must be a number in 1..100, not 0}). Relative paths are resolved against the
 * configuration file's folder after binding, defaults included. Stateless and thread-safe.
 */
final class ConfigBinding {

    /** Another name an enum's constant is also written as. */
    private static final Map<Class<?>, Map<String, String>> ENUM_ALIASES = Map.of(
            ApnsEnvironment.class, Map.of("sandbox", "DEVELOPMENT"));

    private static final ObjectMapper MAPPER = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            // cache-size: "" must not read as "left out": a value written is a value checked.
            .withCoercionConfigDefaults(coercion -> coercion.setCoercion(CoercionInputShape.EmptyString,
                    CoercionAction.Fail))
            .addModule(settingsModule())
            .build();

    /** Records written as one text ({@code 127.0.0.1:9180}, {@code dlist:/path}): values, not sections. */
    private static final Set<Class<?>> TEXT_TYPES = Set.of(HostPort.class, CyrusSettings.NotifySocket.class);

    /** Whether values of {@code type} are written as one text (a path, an address, a socket), printed by toString. */
    static boolean isText(final Class<?> type) {
        return TEXT_TYPES.contains(type) || Path.class.isAssignableFrom(type);
    }

    private ConfigBinding() {
    }

    static JsonNode readTree(final String text) throws JacksonException {
        return MAPPER.readTree(text);
    }

    /**
     * Binds {@code tree} to {@code type} and resolves its relative paths against {@code base}.
     *
     * @throws ConfigException naming the key path and what is wrong
     */
    static <T> T bind(final JsonNode tree, final Class<T> type, final Path base) throws ConfigException {
        final T bound;
        try {
            bound = MAPPER.treeToValue(tree, type);
        } catch (final JsonMappingException e) {
            throw new ConfigException(describe(e));
        } catch (final JacksonException e) {
            throw new ConfigException(e.getOriginalMessage());
        }
        try {
            return type.cast(resolvePaths(bound, base));
        } catch (final InvalidPathException e) {
            throw new ConfigException("\"" + e.getInput() + "\" is not a usable path (" + e.getReason() + ")");
        }
    }

    /**
     * The keys a record reads, as written, with the component each binds to: its components in kebab-case, those
     * of an {@link JsonUnwrapped} component in its place.
     */
    static Map<String, RecordComponent> keysOf(final Class<?> record) {
        final Map<String, RecordComponent> keys = new LinkedHashMap<>();
        for (final RecordComponent component : record.getRecordComponents()) {
            // Jackson's annotations do not target record components; the accessor carries them.
            if (component.getAccessor().isAnnotationPresent(JsonUnwrapped.class)) {
                keys.putAll(keysOf(component.getType()));
            } else {
                keys.put(kebab(component.getName()), component);
            }
        }
        return keys;
    }

    /**
     * Refuses, before binding, every key of {@code node} that {@code record} (or a record nested in it) does not
     * read. Before binding, because Jackson would report a missing required key first (the record's constructor
     * runs before the unknown key is looked at, so {@code notify_socket} would read as "notify-socket is
     * required"), and it ignores unknown keys beside an {@link JsonUnwrapped} component.
     */
    static void refuseUnknownKeys(final JsonNode node, final String path, final Class<?> record)
            throws ConfigException {
        if (node == null || !node.isObject()) {
            return;
        }
        final Map<String, RecordComponent> known = keysOf(record);
        for (final Map.Entry<String, JsonNode> field : node.properties()) {
            final String key = (path.isEmpty() ? "" : path + ".") + field.getKey();
            final RecordComponent component = known.get(field.getKey());
            if (component == null) {
                throw new ConfigException(key + ": unknown key" + suggestion(field.getKey(), known.keySet()));
            }
            if (component.getType().isRecord() && !isText(component.getType())) {
                refuseUnknownKeys(field.getValue(), key, component.getType());
            } else if (List.class.isAssignableFrom(component.getType()) && field.getValue().isArray()
                    && component.getGenericType() instanceof ParameterizedType list
                    && list.getActualTypeArguments()[0] instanceof Class<?> item && item.isRecord()) {
                for (int i = 0; i < field.getValue().size(); i++) {
                    refuseUnknownKeys(field.getValue().get(i), key + "[" + i + "]", item);
                }
            }
        }
    }

    static String kebab(final String camel) {
        return PropertyNamingStrategies.KebabCaseStrategy.INSTANCE.translate(camel);
    }

    /** "did you mean" for a near miss (a typo, {@code _} for {@code -}), else the keys known here. */
    static String suggestion(final String name, final Collection<?> known) {
        final List<String> names = known.stream().map(String::valueOf).sorted().toList();
        final String normalized = name.replace('_', '-').toLowerCase(Locale.ROOT);
        final Optional<String> nearest = names.stream()
                .filter(candidate -> distance(normalized, candidate) <= Math.max(1, candidate.length() / 4))
                .min(Comparator.comparingInt(candidate -> distance(normalized, candidate)));
        if (nearest.isPresent()) {
            return " (did you mean " + nearest.get() + "?)";
        }
        return names.isEmpty() ? "" : " (known here: " + String.join(", ", names) + ")";
    }

    private static String describe(final JsonMappingException e) {
        final String path = path(e.getPath());
        final String at = path.isEmpty() ? "" : path + ": ";
        if (e instanceof UnrecognizedPropertyException unknown) {
            return at + "unknown key" + suggestion(unknown.getPropertyName(), unknown.getKnownPropertyIds());
        }
        if (e instanceof ValueInstantiationException && e.getCause() instanceof SettingException setting) {
            return (path.isEmpty() ? "" : path + ".") + setting.getMessage();
        }
        if (e instanceof ValueInstantiationException && e.getCause() != null) {
            return at + e.getCause().getMessage();
        }
        if (e instanceof InvalidFormatException format) {
            return at + "must be " + expected(format.getTargetType()) + ", not \"" + format.getValue() + "\"";
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return at + "must be " + expected(mismatch.getTargetType());
        }
        return at + firstLine(e.getOriginalMessage());
    }

    private static String expected(final Class<?> type) {
        if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a text";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (isText(type)) {
            return "a text";
        }
        if (type.isRecord()) {
            return "a mapping of keys";
        }
        return "a " + type.getSimpleName();
    }

    private static String path(final List<JsonMappingException.Reference> references) {
        final StringBuilder path = new StringBuilder();
        for (final JsonMappingException.Reference reference : references) {
            if (reference.getFieldName() != null) {
                path.append(path.length() > 0 ? "." : "").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String firstLine(final String message) {
        final int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** Rebuilds records whose paths are relative with those paths resolved against {@code base}. */
    private static Object resolvePaths(final Object value, final Path base) {
        if (value instanceof Path path) {
            return base.resolve(path).normalize();
        }
        if (value instanceof List<?> list) {
            return list.stream().map(item -> resolvePaths(item, base)).toList();
        }
        if (value == null || !value.getClass().isRecord()) {
            return value;
        }
        final RecordComponent[] components = value.getClass().getRecordComponents();
        final Object[] values = new Object[components.length];
        boolean changed = false;
        try {
            for (int i = 0; i < components.length; i++) {
                final Object before = components[i].getAccessor().invoke(value);
                values[i] = resolvePaths(before, base);
                changed |= values[i] != before;
            }
            if (!changed) {
                return value;
            }
            final Constructor<?> canonical = value.getClass().getDeclaredConstructor(
                    Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
            return canonical.newInstance(values);
        } catch (final ReflectiveOperationException e) {
            throw new IllegalStateException("cannot rebuild " + value.getClass().getSimpleName(), e);
        }
    }

    private static int distance(final String a, final String b) {
        final int[] previous = new int[b.length() + 1];
        final int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                final int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            System.arraycopy(current, 0, previous, 0, current.length);
        }
        return previous[b.length()];
    }

    private static SimpleModule settingsModule() {
        final SimpleModule module = new SimpleModule("mailpush-settings");
        module.addDeserializer(Duration.class, text(Duration.class, Durations::parse));
        module.addDeserializer(HostPort.class, text(HostPort.class, HostPort::parse));
        module.addDeserializer(Path.class, text(Path.class, ConfigBinding::path));
        module.addDeserializer(CyrusSettings.NotifySocket.class,
                text(CyrusSettings.NotifySocket.class, CyrusSettings.NotifySocket::parse));
        module.addDeserializer(String.class, text(String.class, ConfigBinding::nonBlank));
        module.addDeserializer(Boolean.class, new YesNoDeserializer());
        module.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public JsonDeserializer<?> modifyEnumDeserializer(final DeserializationConfig config,
                                                              final JavaType type,
                                                              final BeanDescription description,
                                                              final JsonDeserializer<?> deserializer) {
                return new LowerCaseEnumDeserializer(type.getRawClass());
            }
        });
        return module;
    }

    private static Path path(final String text) {
        if (text.isBlank()) {
            // Resolved, an empty path would be the configuration's own folder.
            throw new IllegalArgumentException("must be a path, not empty");
        }
        try {
            return Path.of(text);
        } catch (final InvalidPathException e) {
            throw new IllegalArgumentException("not a usable path (" + e.getReason() + ")");
        }
    }

    private static String nonBlank(final String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("must be a non-empty text");
        }
        return text;
    }

    /** A scalar read as text and parsed; the parser's {@link IllegalArgumentException} becomes the message. */
    private static <T> JsonDeserializer<T> text(final Class<T> type, final Function<String, T> parse) {
        return new StdScalarDeserializer<>(type) {
            @Override
            public T deserialize(final JsonParser parser, final DeserializationContext context) throws IOException {
                if (!parser.currentToken().isScalarValue()) {
                    throw MismatchedInputException.from(parser, type, "must be " + expected(type));
                }
                try {
                    return parse.apply(parser.getValueAsString());
                } catch (final IllegalArgumentException e) {
                    throw JsonMappingException.from(parser, e.getMessage(), e);
                }
            }
        };
    }

    /** YAML's booleans, and the words imapd.conf uses: yes/no, on/off. */
    private static final class YesNoDeserializer extends StdScalarDeserializer<Boolean> {

        YesNoDeserializer() {
            super(Boolean.class);
        }

        @Override
        public Boolean deserialize(final JsonParser parser, final DeserializationContext context)
                throws IOException {
            final JsonToken token = parser.currentToken();
            if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
                return token == JsonToken.VALUE_TRUE;
            }
            final String text = token.isScalarValue() ? parser.getValueAsString() : "";
            return switch (text) {
                case "true", "yes", "on" -> true;
                case "false", "no", "off" -> false;
                default -> throw InvalidFormatException.from(parser, "must be true or false", text, Boolean.class);
            };
        }
    }

    /** An enum written as its constant in lower case, {@code _} as {@code -}: {@code proxy-v2}. */
    private static final class LowerCaseEnumDeserializer extends StdScalarDeserializer<Object> {

        private final Class<?> type;

        LowerCaseEnumDeserializer(final Class<?> type) {
            super(type);
            this.type = type;
        }

        @Override
        public Object deserialize(final JsonParser parser, final DeserializationContext context)
                throws IOException {
            final JsonToken token = parser.currentToken();
            // YAML 1.1 reads a bare on/off (and yes/no, true/false) as a boolean: store.cache: off means "off".
            final String text = token == JsonToken.VALUE_TRUE ? "on" : token == JsonToken.VALUE_FALSE ? "off"
                    : token.isScalarValue() ? parser.getValueAsString() : "";
            final String alias = ENUM_ALIASES.getOrDefault(type, Map.of()).get(text);
            for (final Object constant : type.getEnumConstants()) {
                final String name = ((Enum<?>) constant).name();
                if (name.equals(alias) || written(name).equals(text)) {
                    return constant;
                }
            }
            final TreeSet<String> names = new TreeSet<>();
            for (final Object constant : type.getEnumConstants()) {
                names.add(written(((Enum<?>) constant).name()));
            }
            names.addAll(ENUM_ALIASES.getOrDefault(type, Map.of()).keySet());
            throw JsonMappingException.from(parser, "must be one of " + String.join(", ", names) + ", not \""
                    + text + "\"");
        }

        static String written(final String constant) {
            return constant.toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }
}
