package dev.nightmare.cli;

/** A command line that cannot run; the message says what was wrong and what would be right. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
