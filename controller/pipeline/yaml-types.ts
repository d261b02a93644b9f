/**
 * The shape of a loaded YAML document, on its own so that the Python-format helpers can name it
 * without importing the loader that uses them.
 */
export type YamlScalar = null | boolean | string | number | bigint;
export type YamlValue = YamlScalar | YamlValue[] | YamlMap;
export type YamlMap = Map<YamlValue, YamlValue>;
