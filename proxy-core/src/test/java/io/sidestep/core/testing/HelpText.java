package io.sidestep.core.testing;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Checks that a command line's help text is made of whole paragraphs. Picocli wraps each element of
 * a description on its own, so an element cut in the middle of a sentence (to keep the source's
 * lines short) shows in {@code --help} as a line that stops half way, then goes on below.
 */
public final class HelpText {

  private HelpText() {}

  /**
   * The description elements of {@code root} and all its subcommands, and of their options, that
   * stop in the middle of a sentence, each named with its command and option.
   */
  public static List<String> cutParagraphs(CommandLine root) {
    List<String> cut = new ArrayList<>();
    walk(root, cut);
    return cut;
  }

  /** How many commands {@code root} has, itself and its subcommands at every depth. */
  public static int commands(CommandLine root) {
    int n = 1;
    for (CommandLine c : root.getSubcommands().values()) {
      n += commands(c);
    }
    return n;
  }

  private static void walk(CommandLine c, List<String> cut) {
    String name = c.getCommandSpec().qualifiedName();
    check(name, c.getCommandSpec().usageMessage().description(), cut);
    for (OptionSpec o : c.getCommandSpec().options()) {
      check(name + " " + o.longestName(), o.description(), cut);
    }
    for (CommandLine sub : c.getSubcommands().values()) {
      walk(sub, cut);
    }
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
