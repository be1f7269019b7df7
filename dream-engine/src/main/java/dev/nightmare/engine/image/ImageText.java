package dev.nightmare.engine.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Text entries (key → text) in PNG and JPEG files, written and read without touching the image
 * data: writing inserts whole chunks or segments into an encoded file and leaves every other byte
 * as it was, so the pixels a decoder gets are unchanged; reading walks the file's chunk or segment
 * headers only and decodes nothing.
 *
 * <ul>
 *   <li>PNG: one {@code tEXt} chunk per entry (an {@code iTXt} one, UTF-8, when the text is not
 *       printable ASCII), right after {@code IHDR}. Reading takes {@code tEXt}, {@code iTXt} and
 *       {@code zTXt} chunks (compressed ones up to {@link #MAX_TEXT_BYTES}); a chunk whose CRC does
 *       not match is skipped.
 *   <li>JPEG: one {@code COM} segment per entry, {@code KEY: TEXT} in UTF-8, after the leading
 *       {@code APPn} segments (JFIF's {@code APP0} stays first). Reading takes the {@code COM}
 *       segments before the first scan; a comment that does not start with a key and {@code ": "}
 *       is read as the entry {@link #COMMENT}, PNG's registered keyword for a plain comment.
 * </ul>
 *
 * Keys are 1 to 79 letters, digits, '.', '_' or '-' starting with a letter or digit (a PNG
 * keyword that also reads unambiguously at the start of a JPEG comment).
 */
public final class ImageText {
    /** The key of a plain comment: PNG's registered keyword, and what a JPEG comment without a key reads as. */
    public static final String COMMENT = "Comment";

    /** Largest text read from a compressed chunk: text entries are metadata, not payloads. */
    public static final int MAX_TEXT_BYTES = 1 << 20;

    /** Largest text of one JPEG entry: a segment holds at most 65,533 bytes after its length. */
    static final int MAX_JPEG_SEGMENT_DATA = 65_533;

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,78}");
    private static final Pattern PRINTABLE_ASCII = Pattern.compile("[\\x20-\\x7e\\n]*");
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private ImageText() {}

    /** Whether {@code key} may name an entry. */
    public static boolean isValidKey(String key) {
        return key != null && KEY.matcher(key).matches();
    }

    /**
     * {@code file} (an encoded PNG or JPEG) with {@code entries} added, in their iteration order;
     * every byte of {@code file} is kept, in order.
     *
     * @throws IllegalArgumentException for a key that is not {@link #isValidKey valid}, a JPEG
     *     entry over one segment's 65,533 bytes, or a file that is neither PNG nor JPEG
     */
    public static byte[] insert(byte[] file, Map<String, String> entries) {
        if (entries.isEmpty()) {
            return file;
        }
        checkKeys(entries);
        int at = insertionPoint(file, file.length, true);
        byte[] inserted = entryBytes(file, entries);
        ByteArrayOutputStream out = new ByteArrayOutputStream(file.length + inserted.length);
        out.write(file, 0, at);
        out.writeBytes(inserted);
        out.write(file, at, file.length - at);
        return out.toByteArray();
    }

    /**
     * A stream that passes an encoded PNG or JPEG written to it on to {@code out} with {@code
     * entries} added, as {@link #insert} would: it holds back only the file's head (PNG's
     * signature and {@code IHDR}, JPEG's leading segments) until it knows where they go. Call
     * {@link Inserting#finish()} after the last byte; closing it does not close {@code out}.
     *
     * @throws IllegalArgumentException for a key that is not {@link #isValidKey valid}
     */
    public static Inserting inserting(OutputStream out, Map<String, String> entries) {
        checkKeys(entries);
        return new Inserting(out, entries);
    }

    /** The stream of {@link #inserting}. */
    public static final class Inserting extends OutputStream {
        private final OutputStream out;
        private final Map<String, String> entries;
        private ByteArrayOutputStream head = new ByteArrayOutputStream(64);

        private Inserting(OutputStream out, Map<String, String> entries) {
            this.out = out;
            this.entries = entries;
            if (entries.isEmpty()) {
                head = null;
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (head == null) {
                out.write(b, off, len);
                return;
            }
            head.write(b, off, len);
            byte[] held = head.toByteArray();
            int at = insertionPoint(held, held.length, false);
            if (at >= 0) {
                release(held, at);
            }
        }

        /** Writes what is still held back; the file ended (a file too short for its head is refused). */
        public void finish() throws IOException {
            if (head != null) {
                byte[] held = head.toByteArray();
                release(held, insertionPoint(held, held.length, true));
            }
            out.flush();
        }

        private void release(byte[] held, int at) throws IOException {
            head = null;
            out.write(held, 0, at);
            out.write(entryBytes(held, entries));
            out.write(held, at, held.length - at);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }

    private static void checkKeys(Map<String, String> entries) {
        for (String key : entries.keySet()) {
            if (!isValidKey(key)) {
                throw new IllegalArgumentException("image text key '" + key
                        + "' is not 1 to 79 letters, digits, '.', '_' or '-' starting with a letter or digit");
            }
        }
    }

    /** The chunks (PNG) or segments (JPEG) that hold {@code entries}, for a file that starts as {@code head}. */
    private static byte[] entryBytes(byte[] head, Map<String, String> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (isPng(head)) {
            entries.forEach((key, text) -> writePngChunk(bytes, key, text));
        } else {
            entries.forEach((key, text) -> writeJpegSegment(bytes, key, text));
        }
        return bytes.toByteArray();
    }

    /**
     * Where the entries go in a file whose first {@code length} bytes are known: right after PNG's
     * {@code IHDR}, after JPEG's SOI and leading {@code APPn} segments (JFIF's {@code APP0} must
     * come first); −1 while more bytes are needed to tell (never when {@code complete}).
     *
     * @throws IllegalArgumentException for a file that is neither PNG nor JPEG, or whose head is malformed
     */
    private static int insertionPoint(byte[] file, int length, boolean complete) {
        if (length >= 2 && (file[0] & 0xff) == 0xff && (file[1] & 0xff) == 0xd8) {
            return jpegInsertionPoint(file, length, complete);
        }
        boolean jpegSoiBegun = length == 1 && (file[0] & 0xff) == 0xff;
        if (length < PNG_SIGNATURE.length && !complete && (startsLikePng(file, length) || jpegSoiBegun)) {
            return -1;
        }
        if (!isPng(file)) {
            throw new IllegalArgumentException("text entries can be added to PNG and JPEG files only");
        }
        int ihdrEnd = PNG_SIGNATURE.length + 12 + 13;
        if (length < ihdrEnd && !complete) {
            return -1;
        }
        if (length < ihdrEnd || !"IHDR".equals(pngType(file, PNG_SIGNATURE.length))) {
            throw new IllegalArgumentException("the PNG does not start with its IHDR chunk");
        }
        return ihdrEnd;
    }

    private static boolean startsLikePng(byte[] file, int length) {
        for (int i = 0; i < length; i++) {
            if (file[i] != PNG_SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    private static int jpegInsertionPoint(byte[] file, int length, boolean complete) {
        int at = 2;
        while (true) {
            if (at + 4 > length) {
                if (!complete) {
                    return -1;
                }
                break;
            }
            boolean app = (file[at] & 0xff) == 0xff && (file[at + 1] & 0xff) >= 0xe0 && (file[at + 1] & 0xff) <= 0xef;
            if (!app) {
                break;
            }
            at += 2 + (((file[at + 2] & 0xff) << 8) | (file[at + 3] & 0xff));
        }
        if (at > length) {
            throw new IllegalArgumentException("the JPEG's leading segments run past its end");
        }
        return at;
    }

    /**
     * The text entries of a PNG or JPEG file, in file order (the first of two with one key wins);
     * empty for other files and for files cut short before any entry.
     */
    public static Map<String, String> read(byte[] file) {
        Map<String, String> entries = new LinkedHashMap<>();
        if (isPng(file)) {
            readPng(file, entries);
        } else if (isJpeg(file)) {
            readJpeg(file, entries);
        }
        return Collections.unmodifiableMap(entries);
    }

    /** The entry {@code key} of a PNG or JPEG file. */
    public static Optional<String> read(byte[] file, String key) {
        return Optional.ofNullable(read(file).get(key));
    }

    private static boolean isPng(byte[] file) {
        return file.length >= PNG_SIGNATURE.length && startsLikePng(file, PNG_SIGNATURE.length);
    }

    private static boolean isJpeg(byte[] file) {
        return file.length >= 2 && (file[0] & 0xff) == 0xff && (file[1] & 0xff) == 0xd8;
    }

    // ---- PNG: length (4, big-endian), type (4), data, CRC-32 of type and data (4) ---------------

    private static void writePngChunk(ByteArrayOutputStream out, String key, String text) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(key.getBytes(StandardCharsets.ISO_8859_1));
        data.write(0);
        String type;
        if (PRINTABLE_ASCII.matcher(text).matches()) {
            type = "tEXt";
            data.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
        } else {
            // iTXt: uncompressed (flag 0, method 0), no language tag, no translated keyword.
            type = "iTXt";
            data.writeBytes(new byte[] {0, 0, 0, 0});
            data.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        }
        byte[] typeBytes = type.getBytes(StandardCharsets.ISO_8859_1);
        byte[] body = data.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(body);
        out.writeBytes(ByteBuffer.allocate(4).putInt(body.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(body);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static String pngType(byte[] file, int at) {
        return new String(file, at + 4, 4, StandardCharsets.ISO_8859_1);
    }

    private static void readPng(byte[] file, Map<String, String> entries) {
        int at = PNG_SIGNATURE.length;
        while (at + 12 <= file.length) {
            long length = ByteBuffer.wrap(file, at, 4).getInt() & 0xffffffffL;
            if (length > file.length - at - 12) {
                return;
            }
            int n = (int) length;
            String type = pngType(file, at);
            int data = at + 8;
            if (type.equals("IEND")) {
                return;
            }
            if (type.equals("tEXt") || type.equals("iTXt") || type.equals("zTXt")) {
                CRC32 crc = new CRC32();
                crc.update(file, at + 4, 4 + n);
                if ((int) crc.getValue() == ByteBuffer.wrap(file, data + n, 4).getInt()) {
                    pngText(type, file, data, n, entries);
                }
            }
            at = data + n + 4;
        }
    }

    private static void pngText(String type, byte[] file, int from, int length, Map<String, String> entries) {
        int end = from + length;
        int nul = indexOf(file, from, end, 0);
        if (nul < 0) {
            return;
        }
        String key = new String(file, from, nul - from, StandardCharsets.ISO_8859_1);
        int at = nul + 1;
        String text;
        switch (type) {
            case "tEXt" -> text = new String(file, at, end - at, StandardCharsets.ISO_8859_1);
            case "zTXt" -> {
                if (at >= end || file[at] != 0) {
                    return;
                }
                byte[] inflated = inflate(file, at + 1, end - at - 1);
                if (inflated == null) {
                    return;
                }
                text = new String(inflated, StandardCharsets.ISO_8859_1);
            }
            default -> {
                // iTXt: compression flag, method, language tag NUL, translated keyword NUL, UTF-8 text.
                if (at + 2 > end) {
                    return;
                }
                boolean compressed = file[at] != 0;
                int language = indexOf(file, at + 2, end, 0);
                int translated = language < 0 ? -1 : indexOf(file, language + 1, end, 0);
                if (translated < 0) {
                    return;
                }
                int textAt = translated + 1;
                byte[] bytes = compressed
                        ? inflate(file, textAt, end - textAt)
                        : java.util.Arrays.copyOfRange(file, textAt, end);
                if (bytes == null) {
                    return;
                }
                text = new String(bytes, StandardCharsets.UTF_8);
            }
        }
        entries.putIfAbsent(key, text);
    }

    private static byte[] inflate(byte[] file, int from, int length) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(file, from, length);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return null;
                }
                out.write(buffer, 0, n);
                if (out.size() > MAX_TEXT_BYTES) {
                    return null;
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            return null;
        } finally {
            inflater.end();
        }
    }

    private static int indexOf(byte[] bytes, int from, int to, int value) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return -1;
    }

    // ---- JPEG: 0xFF marker, then (except standalone markers) a 2-byte length that counts itself ---

    private static void writeJpegSegment(ByteArrayOutputStream out, String key, String text) {
        byte[] data = (key + ": " + text).getBytes(StandardCharsets.UTF_8);
        if (data.length > MAX_JPEG_SEGMENT_DATA) {
            throw new IllegalArgumentException("image text '" + key + "' is " + data.length
                    + " bytes with its key; a JPEG comment holds at most " + MAX_JPEG_SEGMENT_DATA);
        }
        out.write(0xff);
        out.write(0xfe);
        out.write((data.length + 2) >> 8);
        out.write((data.length + 2) & 0xff);
        out.writeBytes(data);
    }

    private static void readJpeg(byte[] file, Map<String, String> entries) {
        int at = 2;
        while (at + 1 < file.length) {
            if ((file[at] & 0xff) != 0xff) {
                return;
            }
            int marker = file[at + 1] & 0xff;
            if (marker == 0xff) {
                // A fill byte before a marker.
                at++;
                continue;
            }
            if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
                // TEM and RSTn stand alone.
                at += 2;
                continue;
            }
            if (marker == 0xda || marker == 0xd9 || at + 4 > file.length) {
                // The first scan (or the end): no metadata segments are read beyond it.
                return;
            }
            int length = ((file[at + 2] & 0xff) << 8) | (file[at + 3] & 0xff);
            if (length < 2 || at + 2 + length > file.length) {
                return;
            }
            if (marker == 0xfe) {
                jpegComment(new String(file, at + 4, length - 2, StandardCharsets.UTF_8), entries);
            }
            at += 2 + length;
        }
    }

    private static void jpegComment(String comment, Map<String, String> entries) {
        int colon = comment.indexOf(": ");
        if (colon > 0 && isValidKey(comment.substring(0, colon))) {
            entries.putIfAbsent(comment.substring(0, colon), comment.substring(colon + 2));
        } else {
            entries.putIfAbsent(COMMENT, comment);
        }
    }
}
