# mailpush in a container. The build stage runs exactly the build ./mailpush runs (a test checks that they stay
# the same), so the image carries the jar the README builds and tests.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -q -B -Dstyle.color=never -DskipTests package

FROM eclipse-temurin:17-jre
# Its own user, in the mail group so that the Cyrus notify socket can be group mail (Cyrus runs as cyrus:mail).
RUN useradd --system --home-dir /var/lib/mailpush --shell /usr/sbin/nologin --groups mail mailpush \
 && install -d -o mailpush -g mailpush -m 0750 /var/lib/mailpush \
 && install -d -o mailpush -g mail -m 0750 /run/mailpush
COPY --from=build /src/server/target/mailpush.jar /opt/mailpush/mailpush.jar
USER mailpush
WORKDIR /var/lib/mailpush
# 9180: ops (/healthz /readyz /metrics, status page); 9181: intake for Dovecot's Lua driver.
EXPOSE 9180 9181
ENV MAILPUSH_LOG_FORMAT=json
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-XX:MaxRAMPercentage=75", "-jar", "/opt/mailpush/mailpush.jar"]
CMD ["run", "--config", "/etc/mailpush/mailpush.yaml"]
