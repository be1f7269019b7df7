# The project's JDK, chosen once for every entry point (bin/nightmare, scripts/run-local.sh,
# scripts/platform.sh, .ci/run), which source this file: JAVA_HOME when it is a Java 25 or newer,
# else JAVA_HOME_25, else Temurin 25 where Debian installs it. Exports JAVA_HOME and sets $java.
# Reads the JDK's release file rather than running java, so the CLI's start pays nothing for it.
nightmare_is_java25() {
  [[ -n ${1:-} && -x $1/bin/java ]] && grep -qE '^JAVA_VERSION="(2[5-9]|[3-9][0-9])' "$1/release" 2>/dev/null
}
if ! nightmare_is_java25 "${JAVA_HOME:-}"; then
  for candidate in "${JAVA_HOME_25:-}" /usr/lib/jvm/temurin-25-jdk-amd64; do
    if nightmare_is_java25 "$candidate"; then
      export JAVA_HOME=$candidate
      break
    fi
  done
fi
if ! nightmare_is_java25 "${JAVA_HOME:-}"; then
  echo "no Java 25 found: set JAVA_HOME (or JAVA_HOME_25) to a Java 25 JDK, e.g. Temurin 25" >&2
  return 1 2>/dev/null || exit 1
fi
java="$JAVA_HOME/bin/java"
