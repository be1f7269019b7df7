package dev.nightmare.gateway.config;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a request that names no model or no layer gets, so that a request with only an image
 * works. A layer comes from the model's own recommended layers first; this layer is the fallback
 * for models that recommend none.
 */
@ConfigMapping(prefix = "nightmare.defaults")
public interface DefaultsConfig {
    /** The model of a request without one; absent: model is required. */
    Optional<String> model();

    /** The layer of a request without one, when its model recommends none; absent: layer is required. */
    OptionalInt layer();
}
