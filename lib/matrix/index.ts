export {
  getActiveMatrix,
  type TActiveMatrix,
  type TMatrixCondition,
  type TFieldConstraint,
} from "./get-active-matrix";
