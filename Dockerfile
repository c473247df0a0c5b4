# The promptq jar on a JRE. Build the jar first: ./mvnw -B -DskipTests package
FROM eclipse-temurin:17-jre
COPY cli/target/promptq.jar /opt/promptq/promptq.jar
USER 10001
EXPOSE 9464
# /health answers 200 while the worker's loop runs (bash's /dev/tcp: the JRE image has no curl)
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9464 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["java", "-jar", "/opt/promptq/promptq.jar"]
CMD ["worker", "--ops-port", "9464"]
