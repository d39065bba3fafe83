/** The parser ships no types: it returns one object per metric family. */
declare module "parse-prometheus-text-format" {
  export default function parse(text: string): unknown[];
}
