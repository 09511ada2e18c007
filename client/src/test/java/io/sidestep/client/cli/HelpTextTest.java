package io.sidestep.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.cli.Cli;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The help text is made of whole paragraphs. Picocli wraps each element of a description on its
 * own, so an element cut in the middle of a sentence (to keep the source's lines short) shows in
 * {@code --help} as a line that stops half way, then goes on below.
 */
class HelpTextTest {

  @Test
  void everyDescriptionElementIsAWholeParagraph() {
    CommandLine root = Cli.commandLine(new ClientMain());
    List<CommandLine> commands = new ArrayList<>(List.of(root));
    commands.addAll(root.getSubcommands().values());
    List<String> cut = new ArrayList<>();
    for (CommandLine c : commands) {
      String name = c.getCommandName();
      check(name, c.getCommandSpec().usageMessage().description(), cut);
      for (OptionSpec o : c.getCommandSpec().options()) {
        check(name + " " + o.longestName(), o.description(), cut);
      }
    }
    assertThat(commands).hasSizeGreaterThan(3);
    assertThat(cut).as("description elements that stop in the middle of a sentence").isEmpty();
  }

  /**
   * Adds to {@code cut} each element but the last that neither ends a sentence or a list's lead-in
   * nor is an example (indented) or a blank line: the next element would go on with its sentence.
   */
  private static void check(String where, String[] description, List<String> cut) {
    for (int i = 0; i < description.length - 1; i++) {
      String line = description[i];
      String s = line.strip();
      if (!s.isEmpty() && !line.startsWith(" ") && !s.matches("(?s).*[.:)]")) {
        cut.add(where + ": '" + line + "'");
      }
    }
  }
}
