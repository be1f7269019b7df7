package dev.nightmare.engine.cuda;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class that needs a usable GPU: tagged {@code gpu}, and skipped before any of its set-up
 * runs, with the backend's own reason, where the CUDA backend cannot run.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("gpu")
@ExtendWith(GpuTest.Condition.class)
@interface GpuTest {
    /** Enabled when {@link CudaBackendProvider#unavailableReason()} is empty. */
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            Optional<String> reason = new CudaBackendProvider().unavailableReason();
            return reason.map(r -> ConditionEvaluationResult.disabled("no usable GPU: " + r))
                    .orElseGet(() -> ConditionEvaluationResult.enabled("the CUDA backend can run here"));
        }
    }
}
