package dev.nightmare.cli;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobOptions;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@link JobOptions} by field name (as its JSON form names them); fields not put stay null. */
final class JobOptionsBuilder {
    private final Map<String, Object> fields = new LinkedHashMap<>();

    JobOptionsBuilder put(String name, Object value) {
        if (value != null) {
            fields.put(name, value);
        }
        return this;
    }

    JobOptions build() {
        return ContractJson.mapper().convertValue(fields, JobOptions.class);
    }
}
