package dev.nightmare.contracts;

/**
 * One thing wrong with one field of a request: the field's JSON name (e.g. {@code rounds}) and a
 * message saying what would be right.
 */
public record FieldProblem(String field, String message) {}
