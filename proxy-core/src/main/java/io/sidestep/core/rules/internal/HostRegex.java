package io.sidestep.core.rules.internal;

import java.util.regex.Pattern;

/**
 * A regex over host names. A DOMAIN-REGEX is matched against the host; a gfwlist {@code /regex/} is
 * written against URLs, so it is matched against {@code http://HOST/} and {@code https://HOST/}. A
 * pattern with non-ASCII characters is also tried on the host's Unicode form.
 */
record HostRegex(Pattern pattern, boolean url, boolean unicode) {

  boolean matches(String host) {
    if (test(host)) {
      return true;
    }
    String u = unicode ? Names.unicode(host) : host;
    return u != host && test(u);
  }

  private boolean test(String host) {
    if (url) {
      return pattern.matcher("http://" + host + "/").find()
          || pattern.matcher("https://" + host + "/").find();
    }
    return pattern.matcher(host).find();
  }
}
