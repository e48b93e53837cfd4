// The dev dependency `express4` is Express 4 installed under another name (npm:express@^4).
declare module 'express4' {
  import express from 'express';
  export = express;
}
