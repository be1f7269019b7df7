package dev.nightmare.gateway.rest;

import dev.nightmare.contracts.FieldProblem;
import java.util.List;

/** Every error response: the status, a one-line title, and one entry per field at fault. */
public record ErrorBody(int status, String title, List<FieldProblem> errors) {}
