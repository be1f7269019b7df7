package dev.nightmare.worker.service;

/**
 * What to do with a delivered request once the worker is done with it: {@link Accept} it (the job
 * reached a final state, was a duplicate, or belongs to someone else now), {@link Release} it for
 * redelivery (this worker could not finish it: shutdown, lost lock, S3 unreachable), or send it to
 * the {@link DeadLetter dead-letter topic} with a reason (a poison message), after which it is
 * accepted.
 */
public sealed interface Disposition {
    /** Why, for logs and the {@code jobs} metric's {@code outcome} tag. */
    String outcome();

    record Accept(String outcome) implements Disposition {}

    record Release(String outcome) implements Disposition {}

    /**
     * @param reason a {@code ContractException.Reason} name, {@code UNKNOWN_MODEL}, {@code
     *     MISSING_INPUT} or {@code PROCESSING_FAILED}
     * @param message what is wrong, in words
     */
    record DeadLetter(String reason, String message) implements Disposition {
        @Override
        public String outcome() {
            return "dead-lettered";
        }
    }

    static Disposition accept(String outcome) {
        return new Accept(outcome);
    }

    static Disposition release(String outcome) {
        return new Release(outcome);
    }
}
