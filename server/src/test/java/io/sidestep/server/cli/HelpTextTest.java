package io.sidestep.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.cli.Cli;
import io.sidestep.core.testing.HelpText;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The relay's {@code --help} is made of whole paragraphs ({@link HelpText}). */
class HelpTextTest {

  @Test
  void everyDescriptionElementIsAWholeParagraph() {
    CommandLine root = Cli.commandLine(new ServerMain());
    assertThat(HelpText.commands(root)).as("run, users, fleet and theirs").isGreaterThan(5);
    assertThat(HelpText.cutParagraphs(root))
        .as("description elements that stop in the middle of a sentence")
        .isEmpty();
  }
}
