# The promptq jar on a JRE. Build the jar first: ./mvnw -B -DskipTests package
FROM eclipse-temurin:17-jre
COPY cli/target/promptq.jar /opt/promptq/promptq.jar
USER 10001
ENTRYPOINT ["java", "-jar", "/opt/promptq/promptq.jar"]
CMD ["worker"]
