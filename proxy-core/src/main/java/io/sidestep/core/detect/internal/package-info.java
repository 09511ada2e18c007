/** Parsers and helpers behind the detection API; never part of a public signature. */
package io.sidestep.core.detect.internal;
