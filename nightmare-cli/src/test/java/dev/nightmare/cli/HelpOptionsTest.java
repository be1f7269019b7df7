package dev.nightmare.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What {@code nightmare --help} documents for the dream command is what the command accepts, both ways. */
class HelpOptionsTest {
    private static final Pattern OPTION = Pattern.compile("(?<![\\w.-])--?([a-z][a-z-]*)");

    /** Every {@code -name} or {@code --name} the help lists under its options headings. */
    static Set<String> documented() {
        String options = Main.USAGE.substring(Main.USAGE.indexOf("darknet options"));
        Set<String> names = new TreeSet<>();
        Matcher m = OPTION.matcher(options);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void everyOptionTheHelpListsIsAccepted() {
        assertThat(documented()).contains("arithmetic", "rounds", "reconstruct", "no-progress");
        for (String name : documented()) {
            boolean flag = NightmareCommand.FLAGS.contains(name);
            assertThat(flag || NightmareCommand.VALUED.contains(name))
                    .as("--help lists --" + name + " but the command does not know it")
                    .isTrue();
            String[] words = flag ? new String[] {"--" + name} : new String[] {"--" + name, "1"};
            assertThatCode(() -> {
                        Arguments args = Arguments.parse(words, NightmareCommand.VALUED, NightmareCommand.FLAGS);
                        assertThat(args.has(name)).as(name).isTrue();
                        assertThat(args.positionals())
                                .as(name + " takes its value")
                                .isEmpty();
                    })
                    .as("--" + name)
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void everyOptionTheCommandAcceptsIsListedInTheHelp() {
        Set<String> accepted = new TreeSet<>(NightmareCommand.VALUED);
        accepted.addAll(NightmareCommand.FLAGS);
        assertThat(documented()).containsAll(accepted);
    }
}
