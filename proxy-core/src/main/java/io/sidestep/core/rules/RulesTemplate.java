package io.sidestep.core.rules;

import io.sidestep.core.files.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The commented rules file a first run starts from ({@code rules-template.txt} in this package).
 */
public final class RulesTemplate {
  private RulesTemplate() {}

  /** The template's text. */
  public static String text() {
    try (InputStream in = RulesTemplate.class.getResourceAsStream("rules-template.txt")) {
      if (in == null) {
        throw new IllegalStateException("rules-template.txt missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes the template to {@code rulesFile} (owner-only, 600) unless a file is already there,
   * creating a missing folder owner-only (700). An existing file is never touched.
   *
   * @return true when the template was written
   * @throws UncheckedIOException when the file cannot be written
   */
  public static boolean writeIfAbsent(Path rulesFile) {
    if (Files.exists(rulesFile)) {
      return false;
    }
    try {
      Path parent = rulesFile.toAbsolutePath().getParent();
      if (parent != null) {
        AtomicFiles.createPrivateDirectories(parent);
      }
      Files.write(
          Files.createFile(rulesFile, AtomicFiles.attributes(AtomicFiles.PRIVATE)),
          text().getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("rules file: cannot write " + rulesFile + ": " + e, e);
    }
  }
}
