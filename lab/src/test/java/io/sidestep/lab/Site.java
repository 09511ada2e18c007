package io.sidestep.lab;

/**
 * One lab web site: its generated name, the address the honest resolver gives for it, what the
 * censor does to it, the scheme its scenario uses, and the unique marker its page contains.
 *
 * @param interceptor the ISP address whose nginx intercepts this site's TLS, or null
 */
record Site(
    String id,
    String name,
    String ip,
    CensorAction technique,
    String scheme,
    String marker,
    String interceptor) {

  /** The URL of this site's page for one visit; the tag lets the origin log tell visits apart. */
  String url(String visitTag) {
    return scheme + "://" + name + "/?visit=" + visitTag;
  }

  /** The URL of a file of this site at {@code path} for one visit. */
  String url(String path, String visitTag) {
    return scheme + "://" + name + path + "?visit=" + visitTag;
  }

  /** The same site visited over another scheme (every lab origin serves both 80 and 443). */
  Site withScheme(String other) {
    return new Site(id, name, ip, technique, other, marker, interceptor);
  }

  boolean tls() {
    return scheme.equals("https");
  }
}
