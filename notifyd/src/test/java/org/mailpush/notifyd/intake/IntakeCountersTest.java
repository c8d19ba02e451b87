package org.mailpush.notifyd.intake;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

class IntakeCountersTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger(IntakeCounters.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    @BeforeEach
    void capture() {
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void release() {
        logger.detachAppender(appender);
    }

    @Test
    void logsEachKindOnceWithItsReasonAndCountsEveryOccurrence() {
        final IntakeCounters counters = new IntakeCounters();
        for (int i = 0; i < 5; i++) {
            counters.badInput("cyrus", new BadInputException(BadInputKind.INVALID_JSON, "event is not valid JSON: x"));
        }
        counters.badInput("cyrus", new BadInputException(BadInputKind.TRUNCATED, "datagram has 3 fields"));

        assertThat(counters.badInput(BadInputKind.INVALID_JSON)).isEqualTo(5);
        assertThat(counters.badInput(BadInputKind.TRUNCATED)).isEqualTo(1);
        assertThat(appender.list).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                .extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly(
                        "Refused input on cyrus: event is not valid JSON: x (INVALID_JSON); further INVALID_JSON"
                                + " inputs there are counted, logged at DEBUG only",
                        "Refused input on cyrus: datagram has 3 fields (TRUNCATED); further TRUNCATED inputs there"
                                + " are counted, logged at DEBUG only");
    }

    @Test
    void refusedSubscriptionsAreCountedApartAndSaySoOnce() {
        final IntakeCounters counters = new IntakeCounters();
        for (int i = 0; i < 3; i++) {
            counters.badInput("cyrus", new BadInputException(BadInputKind.BAD_DEVICE_TOKEN,
                    "ApplePushServiceDAV apsDeviceToken efef… is not 64 hex digits (4 characters)").asSubscription());
        }
        counters.badInput("cyrus", BadInputException.refusedRegistration(BadInputKind.BAD_DEVICE_TOKEN, "x"));

        assertThat(counters.refusedSubscriptions(BadInputKind.BAD_DEVICE_TOKEN)).isEqualTo(3);
        assertThat(counters.refusedRegistrations(BadInputKind.BAD_DEVICE_TOKEN)).isEqualTo(1);
        assertThat(counters.badInput(BadInputKind.BAD_DEVICE_TOKEN)).isEqualTo(4);
        assertThat(appender.list).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                .extracting(ILoggingEvent::getFormattedMessage)
                .filteredOn(m -> m.contains("subscription"))
                .containsExactly("Refused a calendar/contacts subscription on cyrus: ApplePushServiceDAV apsDeviceToken"
                        + " efef… is not 64 hex digits (4 characters) (BAD_DEVICE_TOKEN). The device was told OK and"
                        + " gets no pushes for that collection until it subscribes again; further BAD_DEVICE_TOKEN"
                        + " refusals there are counted (mailpush_dav_subscriptions_refused), logged at DEBUG only");
    }
}
