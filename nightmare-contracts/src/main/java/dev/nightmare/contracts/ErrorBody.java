package dev.nightmare.contracts;

import java.util.List;

/**
 * Every error response of every service (gateway, model-store, workers' HTTP): the status, a
 * one-line title that says what was wrong and what would be right, and one entry per field at
 * fault. Never a stack trace or a server path.
 */
public record ErrorBody(int status, String title, List<FieldProblem> errors) {}
