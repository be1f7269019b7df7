package dev.nightmare.modelstore.rest;

/** Every error body: a short code and the reason a person can act on. */
public record ApiError(String error, String message) {}
